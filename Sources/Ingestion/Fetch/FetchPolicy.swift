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

    /// The defaults, overridden by `COMPANIN_FETCH_ALLOW` (comma- or space-separated CIDR
    /// blocks, e.g. `127.0.0.1/32,::1/128`), `COMPANIN_FETCH_TIMEOUT` and
    /// `COMPANIN_FETCH_CONNECT_TIMEOUT` (seconds, fractions allowed), `COMPANIN_FETCH_MAX_BYTES`
    /// and `COMPANIN_FETCH_MAX_REDIRECTS`.
    ///
    /// A value that does not parse is ignored, so a typo never widens what may be fetched: an
    /// unreadable allowlist entry allows nothing, an unreadable limit keeps its default.
    /// `invalidEntries` lists them, for the operator's log.
    public static func fromEnvironment(_ env: [String: String]) -> FetchPolicy {
        parse(env).policy
    }

    /// The environment's policy and the variables (or allowlist entries) that were ignored.
    public static func parse(_ env: [String: String]) -> (policy: FetchPolicy, invalidEntries: [String]) {
        var policy = FetchPolicy()
        var invalid: [String] = []
        if let list = env["COMPANIN_FETCH_ALLOW"] {
            for entry in list.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
                if let network = IPNetwork(cidr: String(entry)) {
                    policy.allow.append(network)
                } else {
                    invalid.append("COMPANIN_FETCH_ALLOW=\(entry)")
                }
            }
        }
        func seconds(_ name: String) -> Duration? {
            guard let text = env[name] else { return nil }
            guard let value = Double(text.trimmingSpaces()), value.isFinite, value > 0, value < 86_400 else {
                invalid.append(name)
                return nil
            }
            return .milliseconds(Int64((value * 1000).rounded(.up)))
        }
        func count(_ name: String, minimum: Int) -> Int? {
            guard let text = env[name] else { return nil }
            guard let value = Int(text.trimmingSpaces()), value >= minimum else {
                invalid.append(name)
                return nil
            }
            return value
        }
        if let timeout = seconds("COMPANIN_FETCH_TIMEOUT") { policy.timeout = timeout }
        if let timeout = seconds("COMPANIN_FETCH_CONNECT_TIMEOUT") { policy.connectTimeout = timeout }
        if let bytes = count("COMPANIN_FETCH_MAX_BYTES", minimum: 1) { policy.maxBytes = bytes }
        if let redirects = count("COMPANIN_FETCH_MAX_REDIRECTS", minimum: 0) { policy.maxRedirects = redirects }
        return (policy, invalid)
    }

    /// Whether a connection to `address` is allowed: a public address, or one the operator
    /// allowlisted.
    public func permits(_ address: IPAddress) -> Bool {
        !AddressGuard.isForbidden(address) || allow.contains { $0.contains(address) }
    }
}
