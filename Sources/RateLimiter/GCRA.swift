/// The generic cell rate algorithm, as pure integer arithmetic on nanoseconds, so that the limit's
/// behaviour is tested without shared memory.
///
/// A limit of L requests per `period` (one hour) admits one request every emission interval
/// T = period / L, with a burst of L: a fresh bucket may spend all L at once and then regains one
/// request every T (36 s for L = 100). The only state per key is the theoretical arrival time
/// (TAT), the instant at which the bucket would be full again if nothing else arrived, plus the
/// last time the key was seen. A request at `now` is admitted iff `max(TAT, now) + T - now <= L·T`.
///
/// - A rejected request leaves TAT unchanged: a 429 consumes no quota.
/// - Time never runs backwards for a bucket: a `now` earlier than the bucket's `lastSeen` (a clock
///   step, or processes reading the clock in a different order than they take the lock) is
///   treated as `lastSeen`, so it cannot admit anything extra.
/// - A limit changed at run time keeps the requests already spent: the time until the bucket is
///   full is rescaled from the old T to the new one, capped at one full bucket. 10 of 100 used
///   leaves 190 of 200, or 0 of 10 (the next one fits after 360 s); an organization that spent
///   all of 100 has 100 of 200 left at once — what an operator raising a limit expects.
/// - A limit of 0 or less rejects every request with `retryAfter` = `resetAfter` = one period.
///   Limits above one request per nanosecond of the period are treated as that (T = 1 ns).
/// - The tolerance is L·T, which is exactly the period when L divides it (100, 1000, …) and at
///   most L − 1 ns shorter otherwise, so a burst is never more than L.
public enum GCRA {
    /// The window every limit is expressed over: one hour, in nanoseconds.
    public static let period: Int64 = 3_600_000_000_000

    /// One bucket: its theoretical arrival time and when it was last checked, in nanoseconds, and
    /// the limit the TAT was counted in (0 when unknown), so a changed limit can rescale it.
    public struct State: Sendable, Equatable {
        public var tat: Int64
        public var lastSeen: Int64
        public var limit: Int64

        public init(tat: Int64, lastSeen: Int64, limit: Int64 = 0) {
            self.tat = tat
            self.lastSeen = lastSeen
            self.limit = limit
        }
    }

    /// Decides one request at `now` against `state` (nil for a fresh, full bucket) and returns the
    /// decision with the state to store. `evicted` is always nil here; the table sets it.
    public static func evaluate(_ state: State?, now: Int64, limit: Int) -> (decision: RateLimitDecision, state: State) {
        let now = max(now, state?.lastSeen ?? now)
        guard let rate = Rate(limit) else {
            return (rejectAll, State(tat: state?.tat ?? now, lastSeen: now, limit: state?.limit ?? 0))
        }
        let storedTAT = rescaledTAT(state, now: now, to: rate)
        let tat = max(storedTAT, now)
        let newTAT = tat.addingSaturated(rate.interval)
        let allowed = newTAT.subtractingSaturated(now) <= rate.tolerance
        let kept = allowed ? newTAT : storedTAT
        let untilFull = max(0, kept.subtractingSaturated(now))
        let retryAfter = allowed ? 0 : max(1, newTAT.subtractingSaturated(now) - rate.tolerance)
        let decision = RateLimitDecision(
            allowed: allowed, limit: Int(rate.limit), remaining: rate.remaining(untilFull: untilFull),
            resetAfter: untilFull, retryAfter: retryAfter)
        return (decision, State(tat: kept, lastSeen: now, limit: rate.limit))
    }

    /// The stored TAT in terms of `rate`: requests already spent under another limit stay spent,
    /// up to one full bucket.
    private static func rescaledTAT(_ state: State?, now: Int64, to rate: Rate) -> Int64 {
        guard let state else { return now }
        guard let previous = Rate(Int(clamping: state.limit)), previous.limit != rate.limit, state.tat > now else {
            return state.tat
        }
        let untilFull = state.tat - now
        // Both factors are at most one period (3.6e12 ns); in floating point the product cannot
        // overflow, and rounding keeps exact multiples of the interval exact.
        let rescaled = (Double(untilFull) * Double(rate.interval) / Double(previous.interval)).rounded()
        return now.addingSaturated(Int64(min(rescaled, Double(rate.tolerance))))
    }

    /// Whether the bucket has refilled completely by `now`: it is then indistinguishable from a
    /// fresh one, so its slot can be reclaimed without losing anything.
    public static func isFull(_ state: State, now: Int64) -> Bool {
        state.tat <= now
    }

    /// The bucket as it stands at `now`, without consuming: `remaining` counts requests admissible
    /// now, `allowed` says whether the next one would be, `retryAfter` when one would be.
    static func inspect(_ state: State?, now: Int64, limit: Int) -> RateLimitDecision {
        let now = max(now, state?.lastSeen ?? now)
        guard let rate = Rate(limit) else { return rejectAll }
        let untilFull = max(0, rescaledTAT(state, now: now, to: rate).subtractingSaturated(now))
        let wait = untilFull.addingSaturated(rate.interval) - rate.tolerance
        return RateLimitDecision(
            allowed: wait <= 0, limit: Int(rate.limit), remaining: rate.remaining(untilFull: untilFull),
            resetAfter: untilFull, retryAfter: max(0, wait))
    }

    private static let rejectAll = RateLimitDecision(
        allowed: false, limit: 0, remaining: 0, resetAfter: period, retryAfter: period)

    /// A limit turned into its emission interval T and tolerance L·T.
    private struct Rate {
        let limit: Int64
        let interval: Int64
        let tolerance: Int64

        init?(_ limit: Int) {
            guard limit > 0 else { return nil }
            self.limit = min(Int64(clamping: limit), GCRA.period)
            interval = GCRA.period / self.limit
            tolerance = interval * self.limit
        }

        /// floor((L·T − untilFull) / T), clamped to 0...L.
        func remaining(untilFull: Int64) -> Int {
            guard untilFull < tolerance else { return 0 }
            return Int(min(limit, (tolerance - untilFull) / interval))
        }
    }
}

extension Int64 {
    fileprivate func addingSaturated(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    fileprivate func subtractingSaturated(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }
}
