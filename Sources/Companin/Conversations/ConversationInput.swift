import Foundation
import HTTP

/// `POST /api/v1/conversations/`: `{assistant_id, session_id, metadata?, task?: {name, variables?}}`.
struct ConversationInput {
    var assistantID: UUID?
    var sessionID: UUID?
    var metadata: [String: JSONValue]?
    var taskName: String?
    var taskVariables: [String: JSONValue] = [:]

    init(_ reader: FieldReader) throws {
        var reader = reader
        assistantID = reader.uuid("assistant_id", required: true)
        sessionID = reader.uuid("session_id", required: true)
        metadata = reader.object("metadata", maxBytes: AssistantInput.maximumMetadataBytes)
        let task = reader.nested("task") { task -> (String, [String: JSONValue])? in
            let name = task.string("name", required: true, minLength: 1, maxLength: 100)
            let variables = task.object("variables", maxBytes: AssistantInput.maximumTemplateLength) ?? [:]
            return name.map { ($0, variables) }
        }
        taskName = task?.0
        taskVariables = task?.1 ?? [:]
        try reader.finish()
    }
}

/// `POST …/messages`: `{role: "user" | "agent" | "system", content, metadata?, actor_id?}`. A user
/// message's author is the session's visitor; an agent or system message may name its author.
struct MessageInput: Equatable {
    var role: Message.Role = .user
    var content = ""
    var metadata: [String: JSONValue] = [:]
    var actorID: String?

    static let maximumContentLength = 20_000

    init(_ reader: FieldReader) throws {
        var reader = reader
        if let text = reader.string("role", required: true, maxLength: 20) {
            switch Message.Role(rawValue: text) {
            case .user?, .agent?, .system?: role = Message.Role(rawValue: text)!
            default: reader.fail("role", "Input should be 'user', 'agent' or 'system'", type: "enum")
            }
        }
        if let text = reader.string("content", required: true, minLength: 1, maxLength: Self.maximumContentLength) {
            if text.allSatisfy(\.isWhitespace) {
                reader.fail("content", "String should not be blank", type: "string_blank")
            }
            content = text
        }
        metadata = reader.object("metadata", maxBytes: AssistantInput.maximumMetadataBytes) ?? [:]
        actorID = reader.string("actor_id", minLength: 1, maxLength: 255)
        if actorID != nil, role == .user {
            reader.fail("actor_id", "Value error, a user message is written by the session's visitor", type: "value_error")
        }
        try reader.finish()
    }

    /// What an `Idempotency-Key` promises to repeat: the same key with another request is refused.
    var fingerprint: String {
        JSONValue.object([
            "role": .string(role.rawValue), "content": .string(content), "metadata": .object(metadata),
            "actor_id": actorID.map(JSONValue.string) ?? .null,
        ]).serialized
    }
}

/// `POST …/feedback`: `{rating, comment?, message_id?, actor: {type, id?}, metadata?}`.
struct FeedbackInput {
    var rating = 0
    var comment: String?
    var messageID: UUID?
    var actorType: Feedback.ActorKind = .visitor
    var actorID: String?
    var metadata: [String: JSONValue] = [:]

    init(_ reader: FieldReader) throws {
        var reader = reader
        rating = Int(reader.int("rating", required: true, range: 1...5) ?? 0)
        comment = reader.string("comment", minLength: 1, maxLength: 5_000)
        messageID = reader.uuid("message_id")
        let actor = reader.nested("actor", required: true) { actor -> (Feedback.ActorKind, String?)? in
            var kind: Feedback.ActorKind?
            if let text = actor.string("type", required: true, maxLength: 20) {
                kind = Feedback.ActorKind(rawValue: text)
                if kind == nil { actor.fail("type", "Input should be 'visitor', 'agent' or 'system'", type: "enum") }
            }
            let id = actor.string("id", minLength: 1, maxLength: 255)
            return kind.map { ($0, id) }
        }
        if let actor {
            actorType = actor.0
            actorID = actor.1
        }
        metadata = reader.object("metadata", maxBytes: AssistantInput.maximumMetadataBytes) ?? [:]
        try reader.finish()
    }
}
