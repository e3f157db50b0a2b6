/// A URL to GET, with the validators of a copy fetched before (for a conditional GET).
public struct FetchRequest: Sendable {
    public var url: String
    /// Sent as `If-None-Match`.
    public var etag: String?
    /// Sent as `If-Modified-Since`.
    public var lastModified: String?

    public init(url: String, etag: String? = nil, lastModified: String? = nil) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
    }

    var isConditional: Bool { etag != nil || lastModified != nil }
}
