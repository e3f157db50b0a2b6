/// Why a URL was refused or could not be fetched.
///
/// `code` is stable and meant for storage and API responses; `message` is for humans. Messages
/// name the host and port at most, never credentials (URLs with credentials are refused before
/// anything else), and a refusal by the address guard never says which address it found.
public struct FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// "forbidden_address", "invalid_url", "unsupported_scheme", "dns", "connection", "timeout",
    /// "too_large", "too_many_redirects", "http_status", "tls".
    public var code: String
    /// For forbidden_address exactly "URL resolves to a forbidden address".
    public var message: String
    /// The status of the response, for http_status.
    public var httpStatus: Int?

    public init(code: String, message: String, httpStatus: Int? = nil) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String {
        "fetch \(code): \(message)"
    }

    public static let forbiddenAddressMessage = "URL resolves to a forbidden address"

    static let forbiddenAddress = FetchError(code: "forbidden_address", message: forbiddenAddressMessage)

    static func invalidURL(_ message: String) -> FetchError { FetchError(code: "invalid_url", message: message) }

    static func unsupportedScheme(_ scheme: String) -> FetchError {
        FetchError(code: "unsupported_scheme", message: "only http and https URLs can be fetched, not \(scheme.debugDescription)")
    }

    static func httpStatus(_ status: Int) -> FetchError {
        FetchError(code: "http_status", message: "the server answered HTTP \(status)", httpStatus: status)
    }
}
