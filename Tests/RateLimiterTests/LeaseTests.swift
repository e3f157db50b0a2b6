import Testing

@testable import RateLimiter

/// The host's side of the cluster tier, on the shared table alone (the database side is
/// `QuotaLeaseTests` in CompaninTests).
@Suite("Leased checks")
struct LeaseTests {
    let a = RateLimitKey(high: 7, low: 7)
    let window: Int64 = 493_000
    var deadline: Int64 { t0 + 600 * second }

    func lease(_ granted: Int, slice: Int = 8, ungranted: Int = 100) -> RateLimiter.Lease {
        RateLimiter.Lease(window: window, granted: granted, deadline: deadline, slice: slice, ungranted: ungranted)
    }

    @Test("one responder leases while the others wait; requests are spent from the deposit, renewing at a quarter")
    func spendingADeposit() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0) == .leaseNeeded(held: 0))
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0 + 1) == .leaseInFlight)
        limiter.deposit(a, lease(8), retryAt: 0, now: t0 + 2)

        var renewals: [Int] = []
        for step in 0..<8 {
            guard case .admitted(let decision, let renew, let held) = limiter.checkLeased(a, limit: 1_000, now: t0 + 10 + Int64(step))
            else {
                Issue.record("request \(step) was not admitted")
                return
            }
            #expect(held == 7 - step)
            #expect(decision.remaining == min(999 - step, held + 100))
            if renew { renewals.append(held) }
        }
        // Renewal asked once, when the host held a quarter of the slice; nobody finished it.
        #expect(renewals == [2])
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0 + 20) == .leaseInFlight)
        // A renewal whose responder vanished is taken over after the timeout.
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0 + 15 + RateLimiter.renewalTimeout) == .leaseNeeded(held: 0))
    }

    @Test("a lease that grants nothing refuses until the window ends, and asks again after retryAt")
    func spentWindow() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0) == .leaseNeeded(held: 0))
        limiter.deposit(a, lease(0, ungranted: 0), retryAt: t0 + 2 * second, now: t0)
        guard case .rejected(let refusal) = limiter.checkLeased(a, limit: 1_000, now: t0 + second) else {
            Issue.record("not refused")
            return
        }
        #expect(refusal.retryAfter == deadline - (t0 + second))
        #expect(refusal.remaining == 0)
        #expect(limiter.checkLeased(a, limit: 1_000, now: t0 + 2 * second) == .leaseNeeded(held: 0))
    }

    @Test("a refusal by the local bucket spends no leased request and names the window's end when it is spent")
    func localRefusal() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        _ = limiter.checkLeased(a, limit: 2, now: t0)
        limiter.deposit(a, lease(5), retryAt: 0, now: t0)
        for _ in 0..<2 {
            guard case .admitted = limiter.checkLeased(a, limit: 2, now: t0) else {
                Issue.record("not admitted")
                return
            }
        }
        guard case .rejected(let local) = limiter.checkLeased(a, limit: 2, now: t0) else {
            Issue.record("the local bucket admitted a third request")
            return
        }
        #expect(local.retryAfter == 1_800 * second)
        #expect(limiter.takeBackHeld(idleFor: 0, now: t0) == [.init(key: a, window: window, count: 3)])
    }

    @Test("the window's end drops what is held; a new window's lease replaces it")
    func windowEnd() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        _ = limiter.checkLeased(a, limit: 1_000, now: t0)
        limiter.deposit(a, lease(8), retryAt: 0, now: t0)
        #expect(limiter.checkLeased(a, limit: 1_000, now: deadline) == .leaseNeeded(held: 0))
        let next = RateLimiter.Lease(window: window + 1, granted: 3, deadline: deadline + 3_600 * second, slice: 8, ungranted: 50)
        limiter.deposit(a, next, retryAt: 0, now: deadline)
        #expect(limiter.takeBackHeld(idleFor: 0, now: deadline) == [.init(key: a, window: window + 1, count: 3)])
    }

    @Test("idle keys' requests are taken back once; busy keys keep theirs")
    func takingBackIdle() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        let b = RateLimitKey(high: 9, low: 9)
        for key in [a, b] {
            _ = limiter.checkLeased(key, limit: 1_000, now: t0)
            limiter.deposit(key, lease(6), retryAt: 0, now: t0)
        }
        _ = limiter.checkLeased(a, limit: 1_000, now: t0 + 10 * second)
        #expect(limiter.takeBackHeld(idleFor: 5 * second, now: t0 + 11 * second) == [.init(key: b, window: window, count: 6)])
        #expect(limiter.takeBackHeld(idleFor: 5 * second, now: t0 + 11 * second) == [])
        #expect(limiter.checkLeased(b, limit: 1_000, now: t0 + 12 * second) == .leaseNeeded(held: 0))
        #expect(limiter.takeBackHeld(idleFor: 0, now: t0 + 12 * second) == [.init(key: a, window: window, count: 5)])
    }

    @Test("a slot holding leased requests is not reclaimed as refilled")
    func heldSlotsAreNotRefilled() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 1)
        _ = limiter.checkLeased(a, limit: 1_000, now: t0)
        limiter.deposit(a, lease(6), retryAt: 0, now: t0)
        // The bucket is full (nothing spent), but the slot holds requests: a new key evicts it
        // (and says so) rather than taking it silently.
        let other = limiter.check(RateLimitKey(high: 3, low: 3), limit: 1_000, now: t0 + second)
        #expect(other.evicted == a)
    }
}
