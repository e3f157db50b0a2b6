/// The outcome of one rate-limit check: whether the request may proceed, and the numbers a
/// response reports (`X-RateLimit-Limit`, `-Remaining`, `-Reset`, `Retry-After`).
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request is admitted; a rejected request consumed no quota.
    public let allowed: Bool
    /// The limit in force, requests per hour (0 when the limit given was 0 or less).
    public let limit: Int
    /// Requests still admissible at once after this one.
    public let remaining: Int
    /// Nanoseconds until the bucket is full again (`remaining == limit`).
    public let resetAfter: Int64
    /// Nanoseconds until a request would be admitted; 0 when allowed.
    public let retryAfter: Int64
    /// A key whose unrefilled bucket was reclaimed to make room for this one, for logging: that
    /// key starts over with a full bucket, so a full table makes limits more lenient, never stricter.
    public let evicted: RateLimitKey?

    public init(
        allowed: Bool, limit: Int, remaining: Int, resetAfter: Int64, retryAfter: Int64,
        evicted: RateLimitKey? = nil
    ) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
        self.retryAfter = retryAfter
        self.evicted = evicted
    }

    /// `resetAfter` in whole seconds, rounded up.
    public var resetSeconds: Int {
        Self.ceilingSeconds(resetAfter)
    }

    /// `retryAfter` in whole seconds, rounded up: at least 1 when rejected, 0 when allowed, as
    /// `Retry-After` wants.
    public var retryAfterSeconds: Int {
        allowed ? 0 : max(1, Self.ceilingSeconds(retryAfter))
    }

    func evicting(_ key: RateLimitKey?) -> RateLimitDecision {
        RateLimitDecision(
            allowed: allowed, limit: limit, remaining: remaining,
            resetAfter: resetAfter, retryAfter: retryAfter, evicted: key)
    }

    private static func ceilingSeconds(_ nanoseconds: Int64) -> Int {
        guard nanoseconds > 0 else { return 0 }
        let (seconds, rest) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return Int(rest == 0 ? seconds : seconds + 1)
    }
}
