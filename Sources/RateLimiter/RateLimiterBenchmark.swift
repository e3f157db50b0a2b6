/// A micro-benchmark of `RateLimiter.check`, for `scripts/bench` and the README's numbers.
public enum RateLimiterBenchmark {
    /// Average nanoseconds per `check` over `iterations` calls on a private table holding `keys`
    /// distinct keys used round robin, with the real monotonic clock read on every call. The
    /// limit is high enough that every check is admitted, so each one writes its slot. Single
    /// process, so the mutex is never contended. NaN if the table cannot be mapped.
    public static func nanosecondsPerCheck(iterations: Int, keys: Int) -> Double {
        let iterations = max(iterations, 1)
        let keys = max(keys, 1)
        guard let limiter = try? RateLimiter.makePrivate(capacity: max(64, keys * 2)) else { return .nan }
        let list = (0..<keys).map { RateLimitKey(high: UInt64($0) &* 0x9E37_79B9_7F4A_7C15, low: UInt64($0)) }
        var admitted = 0
        var next = 0
        let start = RateLimiter.now()
        for _ in 0..<iterations {
            if limiter.check(list[next], limit: iterations).allowed { admitted += 1 }
            next += 1
            if next == keys { next = 0 }
        }
        let elapsed = RateLimiter.now() - start
        precondition(admitted == iterations, "benchmark checks were rejected")
        return Double(elapsed) / Double(iterations)
    }
}
