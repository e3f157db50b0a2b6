import Foundation
import HTTP

@testable import Companin
@testable import FastCGI

/// FastCGI `PARAMS` content as nginx sends it — name-value pairs with the record format's 1- or
/// 4-byte lengths — through libfcgi's `NAME=VALUE` entries into a `Request`, then every reader a
/// handler applies to the request line and headers.
enum FastCGIParamsTarget {
    static func run(_ bytes: [UInt8]) {
        let params = FastCGIRequestBuilder.parameters(fromEnvironment: environment(decoding: bytes))
        let request = FastCGIRequestBuilder.request(from: params)

        let method = params["REQUEST_METHOD"] ?? "GET"
        if request.method.rawValue != method.uppercased() { fail("method \(request.method) from \(method)") }
        for (name, value) in params where name.hasPrefix("HTTP_") {
            let header = FastCGIRequestBuilder.headerName(fromParameter: name)
            // The CGI variables win over a client header of the same name.
            if header.lowercased() == "content-type", params["CONTENT_TYPE"]?.isEmpty == false { continue }
            if header.lowercased() == "content-length", params["CONTENT_LENGTH"]?.isEmpty == false { continue }
            if !request.headers.values(for: header).contains(value) { fail("\(name) lost as \(header)") }
        }
        if request.internalServer != (params[FastCGIRequestBuilder.internalServerParameter] == "1") {
            fail("internal server flag")
        }

        _ = request.mediaType
        _ = request.queryValue("limit")
        _ = RequestID.make(for: request)
        checkRefusal { _ = try Pagination(request) }
        checkRefusal {
            var query = QueryReader(request)
            _ = query.uuid("assistant_id")
            _ = query.string("status", maxLength: 20)
            _ = query.bool("needs_human")
            _ = query.timestamp("from")
            try query.finish()
        }
    }

    /// libfcgi's environment entries for the pairs in `bytes`: `NAME=VALUE`, cut at a NUL as a C
    /// string is. Decoding stops at the first truncated pair, as libfcgi's does.
    static func environment(decoding bytes: [UInt8]) -> [String] {
        var entries: [String] = []
        var index = 0
        func length() -> Int? {
            guard index < bytes.count else { return nil }
            if bytes[index] & 0x80 == 0 {
                index += 1
                return Int(bytes[index - 1])
            }
            guard index + 4 <= bytes.count else { return nil }
            let value =
                (Int(bytes[index] & 0x7F) << 24) | (Int(bytes[index + 1]) << 16)
                | (Int(bytes[index + 2]) << 8) | Int(bytes[index + 3])
            index += 4
            return value
        }
        while let nameLength = length(), let valueLength = length(),
            nameLength <= bytes.count - index, valueLength <= bytes.count - index - nameLength
        {
            var entry = Array(bytes[index..<(index + nameLength)]) + [UInt8(ascii: "=")]
            entry += bytes[(index + nameLength)..<(index + nameLength + valueLength)]
            index += nameLength + valueLength
            if let nul = entry.firstIndex(of: 0) { entry.removeSubrange(nul...) }
            entries.append(String(decoding: entry, as: UTF8.self))
        }
        return entries
    }
}

/// Runs a reader that may refuse its input: a refusal must be a documented client error.
func checkRefusal(_ body: () throws -> Void) {
    do {
        try body()
    } catch {
        let response = Response.error(error)
        guard (400..<500).contains(response.status.code) else {
            fail("\(type(of: error)) answered \(response.status.code): \(error)")
        }
        guard (try? JSONValue.parse(response.body))?.objectValue?["detail"] != nil else {
            fail("error body is not the documented shape: \(String(decoding: response.body, as: UTF8.self))")
        }
    }
}
