import Testing

@testable import RateLimiter

let second: Int64 = 1_000_000_000
let hour: Int64 = 3600 * second

/// The same scenarios run on the pure math and on a shared table, with an injected clock.
enum Backend: CaseIterable, CustomStringConvertible {
    case pure, table
    var description: String { self == .pure ? "GCRA.evaluate" : "RateLimiter.check" }
}

final class Bucket {
    private let backend: Backend
    private var state: GCRA.State?
    private let limiter: RateLimiter
    private let key = RateLimitKey(high: 0xC0FFEE, low: 42)

    init(_ backend: Backend) throws {
        self.backend = backend
        limiter = try RateLimiter.makePrivate(capacity: 8)
    }

    func check(at now: Int64, limit: Int = 100) -> RateLimitDecision {
        switch backend {
        case .pure:
            let (decision, next) = GCRA.evaluate(state, now: now, limit: limit)
            state = next
            return decision
        case .table:
            return limiter.check(key, limit: limit, now: now)
        }
    }

    /// Checks `count` times at `now` and returns how many were admitted.
    func admitted(_ count: Int, at now: Int64, limit: Int = 100) -> Int {
        (0..<count).reduce(0) { total, _ in total + (check(at: now, limit: limit).allowed ? 1 : 0) }
    }
}

let t0: Int64 = 5_000 * second

@Suite("GCRA")
struct GCRATests {
    @Test("a fresh bucket admits exactly L at once, then rejects", arguments: Backend.allCases)
    func burst(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        for index in 1...100 {
            let decision = bucket.check(at: t0)
            #expect(decision.allowed)
            #expect(decision.remaining == 100 - index)
            #expect(decision.resetAfter == Int64(index) * 36 * second)
            #expect(decision.retryAfter == 0)
            #expect(decision.limit == 100)
        }
        let rejected = bucket.check(at: t0)
        #expect(
            rejected
                == RateLimitDecision(
                    allowed: false, limit: 100, remaining: 0,
                    resetAfter: hour, retryAfter: 36 * second))
        #expect(rejected.retryAfterSeconds == 36)
        #expect(rejected.resetSeconds == 3600)
    }

    @Test("values after 10 of 100 and after all 100", arguments: Backend.allCases)
    func values(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(9, at: t0) == 9)
        let tenth = bucket.check(at: t0)
        #expect(
            tenth
                == RateLimitDecision(
                    allowed: true, limit: 100, remaining: 90,
                    resetAfter: 360 * second, retryAfter: 0))
        #expect(tenth.resetSeconds == 360)
        #expect(tenth.retryAfterSeconds == 0)
        #expect(bucket.admitted(89, at: t0) == 89)
        let last = bucket.check(at: t0)
        #expect(
            last
                == RateLimitDecision(
                    allowed: true, limit: 100, remaining: 0,
                    resetAfter: hour, retryAfter: 0))
        // 10 s later: still empty, 26 s to wait, the hour counts down.
        let later = bucket.check(at: t0 + 10 * second)
        #expect(
            later
                == RateLimitDecision(
                    allowed: false, limit: 100, remaining: 0,
                    resetAfter: hour - 10 * second, retryAfter: 26 * second))
        // Half an hour of quiet regains 50.
        let half = bucket.check(at: t0 + 1800 * second)
        #expect(
            half
                == RateLimitDecision(
                    allowed: true, limit: 100, remaining: 49,
                    resetAfter: 1836 * second, retryAfter: 0))
    }

    @Test("after T exactly one more is admitted; one ns earlier none", arguments: Backend.allCases)
    func oneMorePerInterval(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(100, at: t0) == 100)
        let early = bucket.check(at: t0 + 36 * second - 1)
        #expect(!early.allowed)
        #expect(early.retryAfter == 1)
        #expect(early.retryAfterSeconds == 1)
        #expect(bucket.admitted(5, at: t0 + 36 * second) == 1)
        #expect(bucket.admitted(5, at: t0 + 72 * second) == 1)
        #expect(bucket.admitted(5, at: t0 + 180 * second) == 3)
    }

    @Test("rejected checks consume nothing", arguments: Backend.allCases)
    func rejectionsAreFree(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(100, at: t0) == 100)
        for offset in Int64(0)..<36 {
            #expect(!bucket.check(at: t0 + offset * second).allowed)
        }
        let next = bucket.check(at: t0 + 36 * second)
        #expect(next.allowed)
        #expect(next.remaining == 0)
        #expect(next.resetAfter == hour)
    }

    @Test("a full refill after an hour", arguments: Backend.allCases)
    func refill(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(150, at: t0) == 100)
        let refilled = bucket.check(at: t0 + hour)
        #expect(refilled.remaining == 99)
        #expect(refilled.resetAfter == 36 * second)
        #expect(bucket.admitted(150, at: t0 + hour) == 99)
        // Idle far longer than an hour still refills to L, not beyond.
        #expect(bucket.admitted(150, at: t0 + 10 * hour) == 100)
    }

    @Test("a clock going backwards admits nothing extra", arguments: Backend.allCases)
    func clockBackwards(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(100, at: t0 + 100 * second) == 100)
        // Earlier than lastSeen: evaluated as at lastSeen, so still empty.
        let earlier = bucket.check(at: t0)
        #expect(!earlier.allowed)
        #expect(earlier.retryAfter == 36 * second)
        #expect(earlier.resetAfter == hour)
        // An hour before: still nothing.
        #expect(bucket.admitted(10, at: t0 - hour) == 0)
        // Forward again: one interval after lastSeen admits exactly one.
        #expect(bucket.admitted(5, at: t0 + 136 * second) == 1)
        // After that, a check back at the old lastSeen is also clamped forward.
        #expect(bucket.admitted(5, at: t0 + 100 * second) == 0)
    }

    @Test("raising the limit keeps the requests already spent", arguments: Backend.allCases)
    func raiseLimit(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(10, at: t0) == 10)  // 10 of 100 spent
        let raised = bucket.check(at: t0, limit: 200)  // T = 18 s: 10 spent is 180 s, plus this one
        #expect(
            raised
                == RateLimitDecision(
                    allowed: true, limit: 200, remaining: 189,
                    resetAfter: 198 * second, retryAfter: 0))
        #expect(bucket.admitted(300, at: t0, limit: 200) == 189)

        // An organization that spent all of 100 gets the other 100 of 200 at once.
        let emptied = try Bucket(backend)
        #expect(emptied.admitted(100, at: t0) == 100)
        let reopened = emptied.check(at: t0, limit: 200)
        #expect(
            reopened
                == RateLimitDecision(
                    allowed: true, limit: 200, remaining: 99,
                    resetAfter: 1818 * second, retryAfter: 0))
        #expect(emptied.admitted(300, at: t0, limit: 200) == 99)
        // Counted in the new limit from then on: no rescaling twice.
        #expect(emptied.admitted(5, at: t0 + 18 * second, limit: 200) == 1)
    }

    @Test("lowering the limit keeps the spent requests, up to a full bucket", arguments: Backend.allCases)
    func lowerLimit(_ backend: Backend) throws {
        let bucket = try Bucket(backend)
        #expect(bucket.admitted(10, at: t0) == 10)  // 10 spent: all of a limit of 10
        let lowered = bucket.check(at: t0, limit: 10)  // T = 360 s
        #expect(
            lowered
                == RateLimitDecision(
                    allowed: false, limit: 10, remaining: 0,
                    resetAfter: hour, retryAfter: 360 * second))
        #expect(bucket.admitted(5, at: t0 + 359 * second, limit: 10) == 0)
        #expect(bucket.admitted(5, at: t0 + 360 * second, limit: 10) == 1)

        let halfway = try Bucket(backend)
        #expect(halfway.admitted(5, at: t0) == 5)
        #expect(halfway.admitted(20, at: t0, limit: 10) == 5)

        // 100 spent is more than a bucket of 10: capped at one full bucket, not ten hours.
        let emptied = try Bucket(backend)
        #expect(emptied.admitted(100, at: t0) == 100)
        let rejected = emptied.check(at: t0, limit: 10)
        #expect(
            rejected
                == RateLimitDecision(
                    allowed: false, limit: 10, remaining: 0,
                    resetAfter: hour, retryAfter: 360 * second))
        #expect(emptied.admitted(5, at: t0 + 359 * second, limit: 10) == 0)
        #expect(emptied.admitted(5, at: t0 + 360 * second, limit: 10) == 1)
    }

    @Test("a limit of zero or less rejects everything", arguments: Backend.allCases, [0, -1, Int.min])
    func zeroLimit(_ backend: Backend, limit: Int) throws {
        let bucket = try Bucket(backend)
        let decision = bucket.check(at: t0, limit: limit)
        #expect(
            decision
                == RateLimitDecision(
                    allowed: false, limit: 0, remaining: 0,
                    resetAfter: hour, retryAfter: hour))
        #expect(decision.retryAfterSeconds == 3600)
        // Nothing was consumed: the usual limit still has its full burst.
        #expect(bucket.admitted(100, at: t0) == 100)
    }

    @Test("limits that do not divide the hour never burst beyond L")
    func uneven() {
        for limit in [1, 3, 7, 1_999_999, 2_000_001] {
            var state: GCRA.State?
            var admitted = 0
            var remainingInRange = true
            for _ in 0..<(limit + 5) {
                let (decision, next) = GCRA.evaluate(state, now: t0, limit: limit)
                state = next
                if decision.allowed { admitted += 1 }
                remainingInRange = remainingInRange && decision.remaining >= 0 && decision.remaining <= limit
            }
            #expect(admitted == limit, "limit \(limit)")
            #expect(remainingInRange, "limit \(limit)")
        }
    }

    @Test("extreme limits and clocks do not overflow")
    func extremes() {
        let huge = GCRA.evaluate(nil, now: .max, limit: .max)
        #expect(huge.decision.allowed)
        #expect(huge.decision.limit == Int(GCRA.period))
        var state = huge.state
        for _ in 0..<3 {
            let next = GCRA.evaluate(state, now: .max, limit: 1)
            #expect(next.decision.resetAfter >= 0 && next.decision.retryAfter >= 0)
            state = next.state
        }
        let low = GCRA.evaluate(nil, now: .min, limit: 1)
        #expect(low.decision.allowed)
        #expect(!GCRA.evaluate(low.state, now: .min, limit: 1).decision.allowed)
    }

    @Test("isFull is true once TAT is reached")
    func isFull() {
        let (_, state) = GCRA.evaluate(nil, now: t0, limit: 100)
        #expect(!GCRA.isFull(state, now: t0))
        #expect(!GCRA.isFull(state, now: t0 + 36 * second - 1))
        #expect(GCRA.isFull(state, now: t0 + 36 * second))
    }

    @Test("seconds round up")
    func seconds() {
        let decision = RateLimitDecision(
            allowed: false, limit: 1, remaining: 0,
            resetAfter: second + 1, retryAfter: 1)
        #expect(decision.resetSeconds == 2)
        #expect(decision.retryAfterSeconds == 1)
        let allowed = RateLimitDecision(allowed: true, limit: 1, remaining: 0, resetAfter: 0, retryAfter: 0)
        #expect(allowed.resetSeconds == 0)
        #expect(allowed.retryAfterSeconds == 0)
    }
}
