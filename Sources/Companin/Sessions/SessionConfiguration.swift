/// Session lifetimes: the platform default for organizations without their own, and the bounds
/// every requested or configured lifetime must fall within.
public struct SessionConfiguration: Sendable, Equatable {
    public var defaultTTLSeconds: Int
    public var minimumTTLSeconds: Int
    public var maximumTTLSeconds: Int

    public static let standard = SessionConfiguration(defaultTTLSeconds: 1_800, minimumTTLSeconds: 60, maximumTTLSeconds: 2_592_000)

    public init(defaultTTLSeconds: Int, minimumTTLSeconds: Int, maximumTTLSeconds: Int) {
        self.defaultTTLSeconds = defaultTTLSeconds
        self.minimumTTLSeconds = minimumTTLSeconds
        self.maximumTTLSeconds = maximumTTLSeconds
    }

    public var ttlRange: ClosedRange<Int> { minimumTTLSeconds...maximumTTLSeconds }

    /// Whether the bounds are consistent and hold the default: checked once at start-up.
    public var isValid: Bool {
        minimumTTLSeconds >= 1 && minimumTTLSeconds <= maximumTTLSeconds && ttlRange.contains(defaultTTLSeconds)
    }

    /// The lifetime of a new session: the client's, else the organization's default, else the platform's —
    /// an organization default set before the bounds were narrowed is clamped into them.
    func ttl(requested: Int?, organizationDefault: Int?) -> Int {
        if let requested { return requested }
        return min(max(organizationDefault ?? defaultTTLSeconds, minimumTTLSeconds), maximumTTLSeconds)
    }
}
