import Foundation
import HTTP

/// Turns FastCGI parameters (CGI/1.1 meta-variables) into an `HTTP.Request`. Pure, so it is tested without a socket.
public enum FastCGIRequestBuilder {
    public static func request(from params: [String: String]) -> Request {
        var headers = HTTPHeaders()
        for (name, value) in params.sorted(by: { $0.key < $1.key }) where name.hasPrefix("HTTP_") {
            headers.add(headerName(fromParameter: name), value)
        }
        if let type = params["CONTENT_TYPE"], !type.isEmpty { headers.set("Content-Type", type) }
        if let length = params["CONTENT_LENGTH"], !length.isEmpty { headers.set("Content-Length", length) }

        let requestURI = params["REQUEST_URI"] ?? "/"
        let rawPath = requestURI.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        // nginx's DOCUMENT_URI is the normalized, percent-decoded path; REQUEST_URI is the fallback.
        let path =
            params["DOCUMENT_URI"].flatMap { $0.isEmpty ? nil : $0 }
            ?? rawPath.removingPercentEncoding ?? rawPath
        let query = params["QUERY_STRING"] ?? String(requestURI.split(separator: "?", maxSplits: 1).dropFirst().first ?? "")

        var request = Request(
            method: HTTPMethod(params["REQUEST_METHOD"] ?? "GET"),
            path: path,
            query: query,
            headers: headers,
            remoteAddress: params["REMOTE_ADDR"].flatMap { $0.isEmpty ? nil : $0 },
            upstreamRequestID: params["REQUEST_ID"].flatMap { $0.isEmpty ? nil : $0 }
        )
        // A parameter, not a header: clients' headers arrive as HTTP_*, so none can pose as it.
        request.internalServer = params[internalServerParameter] == "1"
        return request
    }

    /// libfcgi's `NAME=VALUE` environment entries as a dictionary; an entry without `=` is skipped
    /// and a later entry of the same name wins.
    public static func parameters(fromEnvironment entries: some Sequence<String>) -> [String: String] {
        var params: [String: String] = [:]
        for text in entries {
            // By bytes: `=` is ASCII, this runs for every parameter of every request, and a value
            // may begin with a combining mark that a Character view would fold into the `=`.
            let bytes = text.utf8
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            params[String(decoding: bytes[..<equals], as: UTF8.self)] =
                String(decoding: bytes[bytes.index(after: equals)...], as: UTF8.self)
        }
        return params
    }

    /// Set to `1` by nginx's internal server block (`fastcgi_param COMPANIN_INTERNAL_SERVER 1`).
    public static let internalServerParameter = "COMPANIN_INTERNAL_SERVER"

    /// `HTTP_X_API_KEY` → `X-Api-Key`: ASCII letters capitalized per word, `_` back to `-`.
    /// A byte loop: it runs for every header of every request.
    static func headerName(fromParameter name: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        var startsWord = true
        for byte in name.utf8.dropFirst(5) {
            if byte == UInt8(ascii: "_") {
                bytes.append(UInt8(ascii: "-"))
                startsWord = true
                continue
            }
            let isLetter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            bytes.append(isLetter ? (startsWord ? byte & ~0x20 : byte | 0x20) : byte)
            startsWord = false
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
