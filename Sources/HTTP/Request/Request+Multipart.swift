import Foundation
import MultipartKit

/// One part of a `multipart/form-data` body.
public struct FormPart: Sendable, Equatable {
    public var name: String
    /// The client's file name, when the part is a file.
    public var filename: String?
    public var contentType: String?
    public var body: [UInt8]

    /// The part as text (for ordinary form fields).
    public var text: String { String(decoding: body, as: UTF8.self) }
}

extension Request {
    /// The parts of a `multipart/form-data` body, in order: `415` for another content type, `400`
    /// when the framing is broken or a part has no name.
    public func formParts() throws -> [FormPart] {
        guard mediaType == "multipart/form-data", let boundary = contentTypeParameter("boundary"), !boundary.isEmpty else {
            throw HTTPError(.unsupportedMediaType, detail: "Content-Type must be multipart/form-data with a boundary")
        }
        var parts: [FormPart] = []
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var failure: HTTPError?
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { buffer in body += buffer.readBytes(length: buffer.readableBytes) ?? [] }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let parameters = Self.dispositionParameters(disposition)
            if let name = parameters["name"] {
                let type = headers.first { $0.0.lowercased() == "content-type" }?.1
                parts.append(FormPart(name: name, filename: parameters["filename"], contentType: type, body: body))
            } else {
                failure = HTTPError(.badRequest, detail: "Multipart part without a name")
            }
            headers = []
            body = []
        }
        do {
            try parser.execute(Array(self.body))
        } catch {
            throw HTTPError(.badRequest, detail: "Malformed multipart body")
        }
        if let failure { throw failure }
        guard !parts.isEmpty else { throw HTTPError(.badRequest, detail: "Malformed multipart body") }
        return parts
    }

    /// A parameter of the Content-Type header, e.g. `boundary`.
    func contentTypeParameter(_ name: String) -> String? {
        guard let value = headers["Content-Type"] else { return nil }
        return Self.parameters(value.split(separator: ";").dropFirst())[name]
    }

    static func dispositionParameters(_ value: String) -> [String: String] {
        parameters(value.split(separator: ";").dropFirst())
    }

    private static func parameters(_ pieces: ArraySlice<Substring>) -> [String: String] {
        var result: [String: String] = [:]
        for piece in pieces {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            result[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = value
        }
        return result
    }
}
