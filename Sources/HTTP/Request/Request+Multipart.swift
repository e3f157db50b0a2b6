import Foundation

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
        return try MultipartFormData.parts(of: Array(body), boundary: Array(boundary.utf8))
    }

    /// A parameter of the Content-Type header, e.g. `boundary`.
    func contentTypeParameter(_ name: String) -> String? {
        guard let value = headers["Content-Type"] else { return nil }
        return MultipartFormData.parameters(of: value)[name]
    }
}

/// A strict reader of `multipart/form-data` (RFC 7578 over RFC 2046 §5.1): CRLF line endings,
/// token header names, a delimiter only at the start of a line. Written here rather than taken
/// from MultipartKit, whose parser (4.7) traps on a header-name byte above 0x7F — a request
/// that could stop a responder.
enum MultipartFormData {
    /// RFC 2046 caps boundaries at 70 characters.
    static let maximumBoundaryLength = 70
    /// The header block of one part (Content-Disposition, Content-Type, …).
    static let maximumHeaderBytes = 8 * 1024

    static func parts(of content: [UInt8], boundary: [UInt8]) throws(HTTPError) -> [FormPart] {
        guard boundary.count <= maximumBoundaryLength else {
            throw HTTPError(.badRequest, detail: "Multipart boundary longer than \(maximumBoundaryLength) characters")
        }
        let malformed = HTTPError(.badRequest, detail: "Malformed multipart body")
        let delimiter = crlf + Array("--".utf8) + boundary
        // With a CRLF in front, a delimiter that opens the body is found like every other one.
        let body = crlf + content
        guard var next = nextDelimiter(delimiter, in: body, from: 0) else { throw malformed }
        guard !next.closes else { throw malformed }

        var parts: [FormPart] = []
        while !next.closes {
            guard parts.count < Request.maximumFormParts else {
                throw HTTPError(.badRequest, detail: "Multipart body with more than \(Request.maximumFormParts) parts")
            }
            var cursor = next.after
            var headers: [(name: String, value: String)] = []
            while true {
                guard let lineEnd = find(crlf, in: body, from: cursor), lineEnd - next.after <= maximumHeaderBytes else {
                    throw malformed
                }
                let line = body[cursor..<lineEnd]
                cursor = lineEnd + 2
                if line.isEmpty { break }
                guard let header = header(line) else { throw malformed }
                headers.append(header)
            }
            guard let following = nextDelimiter(delimiter, in: body, from: cursor) else { throw malformed }

            let disposition = headers.first { $0.name.lowercased() == "content-disposition" }?.value ?? ""
            let dispositionParameters = parameters(of: disposition)
            guard disposition.prefix(while: { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased() == "form-data",
                let name = dispositionParameters["name"]
            else {
                throw HTTPError(.badRequest, detail: "Multipart part without a name")
            }
            parts.append(
                FormPart(
                    name: name, filename: dispositionParameters["filename"],
                    contentType: headers.first { $0.name.lowercased() == "content-type" }?.value,
                    body: Array(body[cursor..<following.start])))
            next = following
        }
        return parts
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// The next delimiter line at or after `start`: where it begins, where the part after it begins,
    /// and whether it is the closing one (`--` after the boundary). The boundary followed by anything
    /// but `--`, or whitespace and CRLF, is content, not a delimiter.
    private static func nextDelimiter(_ delimiter: [UInt8], in body: [UInt8], from start: Int)
        -> (start: Int, after: Int, closes: Bool)?
    {
        var searchFrom = start
        while let found = find(delimiter, in: body, from: searchFrom) {
            var after = found + delimiter.count
            if body[after...].starts(with: [0x2D, 0x2D]) { return (found, after + 2, true) }
            while after < body.count, body[after] == 0x20 || body[after] == 0x09 { after += 1 }
            if body[after...].starts(with: crlf) { return (found, after + 2, false) }
            searchFrom = found + 1
        }
        return nil
    }

    /// `Name: value` with a token name (RFC 9110 §5.6.2); the value is UTF-8 (RFC 7578 §5.1.1).
    private static func header(_ line: ArraySlice<UInt8>) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
            line[..<colon].allSatisfy(isTokenByte)
        else { return nil }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return (name, value)
    }

    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~".utf8)

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: tokenPunctuation.contains(byte)
        }
    }

    /// The `;`-separated parameters after a header's first value, names lowercased and the first
    /// of a name kept; a quoted value may hold `;` and backslash escapes.
    static func parameters(of value: String) -> [String: String] {
        guard let semicolon = value.firstIndex(of: ";") else { return [:] }
        var result: [String: String] = [:]
        var rest = value[value.index(after: semicolon)...]
        while !rest.isEmpty {
            let nameEnd = rest.firstIndex { $0 == "=" || $0 == ";" } ?? rest.endIndex
            let name = rest[..<nameEnd].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[nameEnd...]
            guard rest.first == "=" else {
                rest = rest.dropFirst()
                continue
            }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            var parameter = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        parameter.append(escaped)
                        rest = rest.dropFirst()
                    } else {
                        parameter.append(character)
                    }
                }
                rest = rest.drop { $0 != ";" }.dropFirst()
            } else {
                let end = rest.firstIndex(of: ";") ?? rest.endIndex
                parameter = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...].dropFirst()
            }
            if !name.isEmpty, result[name] == nil { result[name] = parameter }
        }
        return result
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            guard let candidate = haystack[index...].firstIndex(of: first), candidate + needle.count <= haystack.count else {
                return nil
            }
            if haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            index = candidate + 1
        }
        return nil
    }
}
