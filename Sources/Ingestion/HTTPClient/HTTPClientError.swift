/// A request that did not produce an HTTP response: the URL or headers were refused, the
/// connection failed or timed out, or the response outgrew its limit.
///
/// An HTTP error status (4xx, 5xx) is not an `HTTPClientError`: it is a response, returned
/// to the caller with its status. Messages come from libcurl and name the host and port, never
/// request headers or bodies, so they can be logged as they are.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The URL or a header is malformed.
        case invalidRequest
        /// The URL's scheme is not http or https.
        case unsupportedProtocol
        /// The host could not be resolved or reached, TLS failed, or the connection broke.
        case connection
        /// The whole request took longer than its timeout.
        case timeout
        /// The response body exceeded the caller's `maxResponseBytes`.
        case responseTooLarge
        /// Any other libcurl failure.
        case transfer
    }

    public var kind: Kind
    /// The libcurl CURLcode, or 0 when the error was raised before libcurl was asked.
    public var curlCode: Int
    public var message: String

    public init(kind: Kind, curlCode: Int = 0, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    public var description: String {
        curlCode == 0
            ? "HTTP client \(kind.rawValue): \(message)"
            : "HTTP client \(kind.rawValue) (curl \(curlCode)): \(message)"
    }
}
