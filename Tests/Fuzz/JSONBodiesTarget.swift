import Foundation
import HTTP

@testable import Companin

/// A JSON request body decoded into the request model of one operation (chosen by the first
/// byte): it is accepted, or refused as a documented 4xx — never a crash or a 500. Documents that
/// parse also print back to text that parses to the same document.
enum JSONBodiesTarget {
    static let models: [(String, @Sendable (FieldReader) throws -> Void)] = [
        ("POST /api/v1/assistants/", { _ = try AssistantInput($0, requireName: true) }),
        ("PATCH /api/v1/assistants/:id", { _ = try AssistantInput($0, requireName: false) }),
        ("POST /api/v1/sessions/", { _ = try SessionInput($0, partial: false, configuration: .standard) }),
        ("PATCH /api/v1/sessions/:id", { _ = try SessionInput($0, partial: true, configuration: .standard) }),
        ("POST /api/v1/contexts", { _ = try ContextInput($0, partial: false) }),
        ("PATCH /api/v1/contexts/:id", { _ = try ContextInput($0, partial: true) }),
        ("POST /api/v1/conversations/", { _ = try ConversationInput($0) }),
        ("POST …/messages", { _ = try MessageInput($0) }),
        ("POST …/feedback", { _ = try FeedbackInput($0) }),
        ("POST /api/v1/knowledge/qas/", { _ = try QAInput($0, partial: false) }),
        ("PATCH /api/v1/knowledge/qas/:id", { _ = try QAInput($0, partial: true) }),
    ]

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Data(bytes.dropFirst())
        let request = Request(method: .post, path: "/", headers: ["Content-Type": "application/json"], body: body)
        if let document = try? JSONValue.parse(body) {
            let text = document.serialized
            guard let reparsed = try? JSONValue.parse(Data(text.utf8)) else { fail("printed JSON does not parse: \(text)") }
            if reparsed.serialized != text { fail("JSON changes when printed twice: \(text)") }
        }
        let (_, decode) = models[Int(selector) % models.count]
        checkRefusal { try decode(try request.jsonObjectBody()) }
    }
}
