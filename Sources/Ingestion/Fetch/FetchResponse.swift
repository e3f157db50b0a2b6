/// A successful fetch: a 2xx response, or a 304 to a conditional GET.
public struct FetchResponse: Sendable, Equatable {
    /// The URL that answered, after redirects, in libcurl's normalized form.
    public var finalURL: String
    public var status: Int
    /// The media type of `Content-Type`, lowercased, without parameters (`text/html`).
    public var contentType: String?
    /// The `charset` parameter of `Content-Type`, lowercased and unquoted (`iso-8859-1`).
    public var charset: String?
    public var etag: String?
    public var lastModified: String?
    /// The body, decoded from gzip/deflate/br, at most `FetchPolicy.maxBytes`; empty for a 304.
    public var body: [UInt8]
    /// The server answered 304 to a conditional GET: the copy fetched before is current.
    /// `etag`/`lastModified` are the 304's own, or the request's when it sent none.
    public var notModified: Bool
    /// The URLs redirected to, in order (the last is `finalURL`); empty when there was no redirect.
    public var redirects: [String]

    public init(
        finalURL: String, status: Int, contentType: String? = nil, charset: String? = nil,
        etag: String? = nil, lastModified: String? = nil, body: [UInt8] = [],
        notModified: Bool = false, redirects: [String] = []
    ) {
        self.finalURL = finalURL
        self.status = status
        self.contentType = contentType
        self.charset = charset
        self.etag = etag
        self.lastModified = lastModified
        self.body = body
        self.notModified = notModified
        self.redirects = redirects
    }
}
