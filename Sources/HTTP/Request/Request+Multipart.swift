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
    /// Parts a form may have: every upload form of the API has three fields at most.
    public static let maximumFormParts = 16

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
        let bytes = Array(self.body)
        // MultipartKit 4.7 indexes a 128-entry table with each header-name byte and traps on one
        // above 0x7F: such a body is refused here, before it can bring the responder down.
        guard Self.partHeaderNamesAreASCII(bytes, boundary: Array(boundary.utf8)) else {
            throw HTTPError(.badRequest, detail: "Malformed multipart body")
        }
        do {
            try parser.execute(bytes)
        } catch {
            throw HTTPError(.badRequest, detail: "Malformed multipart body")
        }
        if let failure { throw failure }
        guard !parts.isEmpty else { throw HTTPError(.badRequest, detail: "Malformed multipart body") }
        guard parts.count <= Self.maximumFormParts else {
            throw HTTPError(.badRequest, detail: "Multipart body with more than \(Self.maximumFormParts) parts")
        }
        return parts
    }

    /// Whether every header name of every part (the bytes before `:` on each line of the part's
    /// header block) is ASCII.
    static func partHeaderNamesAreASCII(_ body: [UInt8], boundary: [UInt8]) -> Bool {
        let delimiter: [UInt8] = Array("--".utf8) + boundary
        var index = 0
        while let start = find(delimiter, in: body, from: index) {
            var cursor = start + delimiter.count
            index = cursor
            // The header block runs from the line after the delimiter to the first empty line.
            while cursor < body.count, body[cursor] != UInt8(ascii: "\n") { cursor += 1 }
            cursor += 1
            var inName = true
            while cursor < body.count {
                let byte = body[cursor]
                if byte == UInt8(ascii: "\n") {
                    if cursor + 2 < body.count, body[cursor + 1] == UInt8(ascii: "\r"), body[cursor + 2] == UInt8(ascii: "\n") { break }
                    inName = true
                } else if byte == UInt8(ascii: ":") {
                    inName = false
                } else if inName, byte >= 0x80 {
                    return false
                } else if cursor + delimiter.count <= body.count, body[cursor] == delimiter[0],
                          Array(body[cursor..<(cursor + delimiter.count)]) == delimiter {
                    break
                }
                cursor += 1
            }
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index += 1
        }
        return nil
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
