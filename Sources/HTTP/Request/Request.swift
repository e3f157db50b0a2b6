import Foundation

/// An HTTP request as the application sees it, independent of how it arrived (FastCGI or a test).
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The decoded path without the query string, e.g. `/api/v1/assistants/`.
    public var path: String
    /// The raw query string without the leading `?`.
    public var query: String
    public var headers: HTTPHeaders
    public var remoteAddress: String?
    public var body: Data
    /// An identifier assigned upstream (nginx `$request_id`), if any.
    public var upstreamRequestID: String?
    /// Arrived through the web server's internal (operators') server block, which says so in a
    /// parameter no client can set; such requests may read the pool's status.
    public var internalServer = false

    public init(
        method: HTTPMethod, path: String, query: String = "", headers: HTTPHeaders = [:],
        remoteAddress: String? = nil, body: Data = Data(), upstreamRequestID: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.body = body
        self.upstreamRequestID = upstreamRequestID
    }

    /// The request's media type without parameters, lowercased (`application/json`).
    public var mediaType: String? {
        guard let value = headers["Content-Type"] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? value
        let trimmed = type.trimmingCharacters(in: .whitespaces).lowercased()
        return trimmed.isEmpty ? nil : trimmed
    }
}
