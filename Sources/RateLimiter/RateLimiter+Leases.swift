/// The host's side of a cluster-wide limit: requests leased from the organization's hourly quota
/// in MariaDB, held in the key's slot and spent here without a round trip.
///
/// A request is admitted when the local bucket (`GCRA`) admits it and a leased request is left to
/// spend, so the local limit still shapes bursts on this host while the lease bounds the cluster.
/// Leased requests belong to one quota window (a clock hour by the database's clock) and are good
/// until `deadline`, the window's end on this host's monotonic clock, computed conservatively
/// from the moment before the lease was asked for; whatever is left then is dropped, never carried
/// into the next window.
///
/// Only one responder of a host asks for a lease for a key at a time (`renewalStarted` marks it;
/// a mark older than `renewalTimeout` is taken over, in case that responder died), so a host holds
/// at most one slice of a key's quota: what it asks for tops up what it holds to the slice.
extension RateLimiter {
    /// How long a responder may take over a lease before another one takes the job over.
    public static let renewalTimeout: Int64 = 2_000_000_000

    /// Leased requests of a window that the database granted.
    public struct Lease: Sendable, Equatable {
        /// The quota window, as hours since the Unix epoch (UTC).
        public var window: Int64
        /// Requests granted by this lease, added to those held.
        public var granted: Int
        /// When the window ends, on `RateLimiter.now()`'s clock.
        public var deadline: Int64
        /// The slice the database chose for this host now; the host renews when it holds a
        /// quarter of it or less.
        public var slice: Int
        /// What the window had left to grant after this lease.
        public var ungranted: Int

        public init(window: Int64, granted: Int, deadline: Int64, slice: Int, ungranted: Int) {
            self.window = window
            self.granted = granted
            self.deadline = deadline
            self.slice = slice
            self.ungranted = ungranted
        }
    }

    /// The outcome of `checkLeased`.
    public enum LeasedCheck: Sendable, Equatable {
        /// Admitted, one leased request spent. `renew`: this responder should lease now, before
        /// the host runs out (`held` is what it holds after this request).
        case admitted(RateLimitDecision, renew: Bool, held: Int)
        /// Refused by the local bucket, or the window's quota is spent across the cluster.
        case rejected(RateLimitDecision)
        /// Nothing held: lease (topping up from `held`) and check again.
        case leaseNeeded(held: Int)
        /// Nothing held and another responder is leasing: check again shortly.
        case leaseInFlight
    }

    /// Leased requests taken back from a slot, to be returned to the window they came from.
    public struct HeldRequests: Sendable, Equatable {
        public var key: RateLimitKey
        public var window: Int64
        public var count: Int
    }

    /// Counts one request for `key` against the local bucket and the host's lease. Nothing is
    /// consumed unless the result is `.admitted`.
    public func checkLeased(_ key: RateLimitKey, limit: Int, now: Int64 = RateLimiter.now()) -> LeasedCheck {
        guard limit > 0 else { return .rejected(GCRA.evaluate(nil, now: now, limit: limit).decision) }
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        let found = locate(key, now: now)
        var (decision, state) = GCRA.evaluate(found.state, now: now, limit: limit)
        if let evicted = found.evicted { decision = decision.evicting(evicted) }
        var lease = table.lease(at: found.slot)
        guard decision.allowed else {
            table.update(found.slot, state: state)
            // The local bucket refills before the window ends; the answer says the later of the two.
            if !lease.holdsTokens(now: now), lease.deadline > now, lease.retryAt > now {
                return .rejected(windowSpent(decision, until: lease.deadline, now: now))
            }
            return .rejected(decision)
        }
        let held = lease.holdsTokens(now: now) ? lease.tokens : 0
        if held > 0 {
            lease.tokens = held - 1
            let renew = lease.tokens <= lease.slice / 4 && lease.retryAt <= now && !lease.isRenewing(now: now)
            if renew { lease.renewalStarted = now }
            table.update(found.slot, state: state)
            table.update(found.slot, lease: lease)
            let remaining = min(decision.remaining, Int(clamping: lease.tokens + lease.ungranted))
            return .admitted(decision.withRemaining(remaining), renew: renew, held: Int(lease.tokens))
        }
        if lease.deadline > now, lease.retryAt > now {
            // The window's quota is granted out: refused until the window ends, though requests
            // other hosts give back are looked for again at `retryAt`.
            return .rejected(windowSpent(decision, until: lease.deadline, now: now))
        }
        if lease.isRenewing(now: now) { return .leaseInFlight }
        lease.renewalStarted = now
        table.update(found.slot, lease: lease)
        return .leaseNeeded(held: 0)
    }

    /// A refusal because the cluster's quota for the window is spent: nothing is left until it ends.
    private func windowSpent(_ decision: RateLimitDecision, until deadline: Int64, now: Int64) -> RateLimitDecision {
        let untilEnd = deadline - now
        return RateLimitDecision(
            allowed: false, limit: decision.limit, remaining: 0, resetAfter: max(untilEnd, decision.resetAfter),
            retryAfter: max(untilEnd, decision.retryAfter), evicted: decision.evicted)
    }

    /// Adds a lease's requests to what the host holds for `key` (replacing what is left of an
    /// earlier window) and ends the renewal. A lease that left the window nothing to grant marks
    /// it spent: once the host runs out, requests are refused without asking again until `retryAt`.
    public func deposit(_ key: RateLimitKey, _ granted: Lease, retryAt: Int64, now: Int64 = RateLimiter.now()) {
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        let slot = locate(key, now: now).slot
        var lease = table.lease(at: slot)
        let sameWindow = lease.window == granted.window && lease.holdsTokens(now: now)
        lease.tokens = (sameWindow ? lease.tokens : 0) + Int64(granted.granted)
        lease.window = granted.window
        lease.deadline = granted.deadline
        lease.slice = Int64(granted.slice)
        lease.ungranted = Int64(granted.ungranted)
        lease.retryAt = granted.ungranted == 0 ? retryAt : 0
        lease.renewalStarted = 0
        table.update(slot, lease: lease)
    }

    /// Ends a renewal that failed (the database did not answer), so the next request tries again;
    /// what the host holds is kept.
    public func abandonRenewal(_ key: RateLimitKey, now: Int64 = RateLimiter.now()) {
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        let slot = locate(key, now: now).slot
        var lease = table.lease(at: slot)
        lease.renewalStarted = 0
        table.update(slot, lease: lease)
    }

    /// Takes back the leased requests of every key not seen for `idleFor` nanoseconds (all of
    /// them when `idleFor` is 0), so they can be returned to their windows for other hosts. They
    /// leave the table first: a return that fails loses them, never spends them twice.
    public func takeBackHeld(idleFor: Int64, now: Int64 = RateLimiter.now()) -> [HeldRequests] {
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        var taken: [HeldRequests] = []
        for slot in 0..<capacity where table.isOccupied(slot) {
            var lease = table.lease(at: slot)
            guard lease.holdsTokens(now: now), !lease.isRenewing(now: now),
                idleFor == 0 || now - table.state(at: slot).lastSeen >= idleFor
            else { continue }
            taken.append(HeldRequests(key: table.key(at: slot), window: lease.window, count: Int(lease.tokens)))
            lease.tokens = 0
            table.update(slot, lease: lease)
        }
        return taken
    }
}

/// A slot's lease fields (`SharedTable`'s second cache line); all zero when nothing was leased.
struct LeaseState: Equatable {
    var window: Int64 = 0
    var tokens: Int64 = 0
    var deadline: Int64 = 0
    var renewalStarted: Int64 = 0
    var slice: Int64 = 0
    var retryAt: Int64 = 0
    var ungranted: Int64 = 0

    func holdsTokens(now: Int64) -> Bool {
        tokens > 0 && deadline > now
    }

    func isRenewing(now: Int64) -> Bool {
        renewalStarted != 0 && now - renewalStarted < RateLimiter.renewalTimeout
    }
}

extension RateLimitDecision {
    func withRemaining(_ remaining: Int) -> RateLimitDecision {
        RateLimitDecision(
            allowed: allowed, limit: limit, remaining: remaining, resetAfter: resetAfter, retryAfter: retryAfter, evicted: evicted)
    }
}
