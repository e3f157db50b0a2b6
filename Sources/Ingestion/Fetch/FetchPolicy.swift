import Foundation

/// The limits of a URL fetch and the operator's exceptions to the address guard.
public struct FetchPolicy: Sendable, Equatable {
    /// For the whole fetch, every redirect hop included.
    public var timeout: Duration
    /// For establishing each connection.
    public var connectTimeout: Duration
    /// The largest body accepted, after decoding gzip/deflate/br.
    public var maxBytes: Int
    public var maxRedirects: Int
    /// Operator allowlist: addresses inside are allowed even if `AddressGuard` forbids them.
    public var allow: [IPNetwork]
    public var userAgent: String

    /// The defaults are the limits a fetch has unless the operator sets others.
    public init(
        timeout: Duration = .seconds(20), connectTimeout: Duration = .seconds(5), maxBytes: Int = 5 << 20, maxRedirects: Int = 5,
        allow: [IPNetwork] = [], userAgent: String = "CompaninFetcher/1 (+knowledge ingestion)"
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
        self.allow = allow
        self.userAgent = userAgent
    }

    /// Whether a connection to `address` is allowed: a public address, or one the operator
    /// allowlisted.
    public func permits(_ address: IPAddress) -> Bool {
        !AddressGuard.isForbidden(address) || allow.contains { $0.contains(address) }
    }
}
