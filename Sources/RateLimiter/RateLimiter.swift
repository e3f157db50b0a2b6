import POSIXSystem

/// Per-key (per-organization) rate limiting that is exact across all processes of the pool.
///
/// The table lives in shared memory: the pool master creates it once with `create(in:size:capacity:)`
/// before spawning responders, and each responder `attach`es to the same segment and calls
/// `check` once per authenticated request. All processes read one clock (`CLOCK_MONOTONIC`) and
/// update the table under one process-shared robust mutex, so a limit of L admits exactly L
/// requests per hour whichever responders serve them; a responder killed while holding the mutex
/// is recovered from by the next one to take it. The limit itself is `GCRA`.
///
/// Memory: a 128-byte header plus 128 bytes (two cache lines, the second for cluster leases) per
/// slot, one slot per key that has been seen, so 10 000 organizations fit in about 1.3 MB;
/// `segmentSize(capacity:)` gives the exact size. Size the capacity at about twice the number of
/// organizations active within an hour.
///
/// Lookup is bounded: a key lives in one of the `min(32, capacity)` consecutive slots starting at
/// its hash, and `check` scans only that window. A new key takes, in this order, a free slot, a slot
/// whose bucket has refilled completely (reclaiming it loses nothing), or — when every bucket in
/// the window is still refilling — the least recently seen slot. That eviction is the full-table
/// behaviour: the evicted key is reported in `RateLimitDecision.evicted` and counted in
/// `statistics.evictions` for the caller to log, and that key starts over with a full bucket when
/// it returns, so an overfull table makes limits more lenient, never stricter. `check` never fails
/// and never skips the limit.
///
/// Not `Sendable`: a responder is single-threaded and holds one limiter; other processes share the
/// table through their own limiter over the same memory.
public final class RateLimiter {
    /// Bytes per slot: two cache lines.
    public static let slotSize: Int = SharedTable.slotSize

    /// The bytes a table of `capacity` slots needs: a 128-byte header plus `capacity * slotSize`.
    public static func segmentSize(capacity: Int) -> Int {
        SharedTable.segmentSize(capacity: capacity)
    }

    /// How many keys the table holds.
    public let capacity: Int

    let table: SharedTable
    private let owner: AnyObject?

    private init(table: SharedTable, owner: AnyObject?) {
        self.table = table
        self.owner = owner
        capacity = table.capacity
    }

    /// Initializes a table in fresh shared memory (the master does this once, before spawning):
    /// the header with magic and capacity, and the process-shared robust mutex. `owner`, the object
    /// that owns the mapping, is kept alive as long as the limiter.
    public static func create(
        in memory: UnsafeMutableRawPointer, size: Int, capacity: Int,
        owner: AnyObject? = nil
    ) throws -> RateLimiter {
        RateLimiter(table: try SharedTable.create(in: memory, size: size, capacity: capacity), owner: owner)
    }

    /// Attaches to a table created by another process, validating its magic, layout and that
    /// `size` covers its capacity. `owner` is kept alive as long as the limiter.
    public static func attach(
        to memory: UnsafeMutableRawPointer, size: Int,
        owner: AnyObject? = nil
    ) throws -> RateLimiter {
        RateLimiter(table: try SharedTable.attach(to: memory, size: size), owner: owner)
    }

    /// A table in this process's own anonymous shared mapping (`MAP_SHARED | MAP_ANONYMOUS`, so it
    /// is also shared with children forked afterwards): for a responder running alone, and tests.
    /// The mapping is unmapped when the limiter is deinitialized.
    public static func makePrivate(capacity: Int) throws -> RateLimiter {
        guard capacity >= 1, capacity <= SharedTable.maximumCapacity else {
            throw RateLimiterError(.invalidCapacity, "capacity \(capacity) is outside 1...\(SharedTable.maximumCapacity)")
        }
        let size = segmentSize(capacity: capacity)
        let memory = try SharedMemory.anonymous(size: size)
        return try create(in: memory.base, size: size, capacity: capacity, owner: memory)
    }

    /// Nanoseconds on `CLOCK_MONOTONIC`: one clock for every process on the host.
    public static func now() -> Int64 {
        monotonicNanoseconds()
    }

    /// Counts one request for `key` against `limit` requests per hour and says whether it may
    /// proceed. A rejected request consumes nothing. A limit of 0 or less rejects without touching
    /// the table. Allocation-free; the mutex is held only for the window scan and the update.
    public func check(_ key: RateLimitKey, limit: Int, now: Int64 = RateLimiter.now()) -> RateLimitDecision {
        guard limit > 0 else { return GCRA.evaluate(nil, now: now, limit: limit).decision }
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        let found = locate(key, now: now)
        let (decision, state) = GCRA.evaluate(found.state, now: now, limit: limit)
        table.update(found.slot, state: state)
        return found.evicted == nil ? decision : decision.evicting(found.evicted)
    }

    /// The slot holding `key`, or the one it is given (a fresh bucket, `state` nil): a free slot,
    /// else a refilled one, else the least recently seen one, whose key is `evicted`. Call with the
    /// lock held; a slot given here is claimed with a full bucket and no lease.
    func locate(_ key: RateLimitKey, now: Int64) -> (slot: Int, state: GCRA.State?, evicted: RateLimitKey?) {
        let start = table.home(of: key)
        var free = -1
        var refilled = -1
        var oldest = -1
        var oldestSeen = Int64.max
        var step = 0
        while step < table.window {
            var slot = start &+ step
            if slot >= capacity { slot -= capacity }
            step += 1
            guard table.isOccupied(slot) else {
                if free < 0 { free = slot }
                continue
            }
            if table.holds(key, slot) { return (slot, table.state(at: slot), nil) }
            let state = table.state(at: slot)
            // A slot whose host still holds leased requests is not "refilled": reclaiming it would
            // drop them (they are then lost to the cluster until the window ends).
            if refilled < 0, GCRA.isFull(state, now: now), !table.holdsLeasedRequests(slot, now: now) { refilled = slot }
            if oldest < 0 || state.lastSeen < oldestSeen {
                oldest = slot
                oldestSeen = state.lastSeen
            }
        }

        let slot: Int
        var evicted: RateLimitKey? = nil
        if free >= 0 {
            slot = free
        } else if refilled >= 0 {
            slot = refilled
        } else {
            slot = oldest
            evicted = table.key(at: slot)
            table.countEviction()
        }
        table.claim(slot, key: key, state: GCRA.State(tat: now, lastSeen: now))
        return (slot, nil, evicted)
    }

    /// The bucket's state without consuming anything (for analytics: limit, remaining, reset):
    /// `remaining` is what could be spent now, `allowed` whether the next request would pass.
    /// A key not in the table is a full bucket.
    public func peek(_ key: RateLimitKey, limit: Int, now: Int64 = RateLimiter.now()) -> RateLimitDecision {
        guard limit > 0 else { return GCRA.inspect(nil, now: now, limit: limit) }
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        let start = table.home(of: key)
        for step in 0..<table.window {
            var slot = start &+ step
            if slot >= capacity { slot -= capacity }
            if table.isOccupied(slot), table.holds(key, slot) {
                return GCRA.inspect(table.state(at: slot), now: now, limit: limit)
            }
        }
        return GCRA.inspect(nil, now: now, limit: limit)
    }

    /// Table occupancy and the counters an operator watches: `evictions` rising means the
    /// capacity is too small; `recoveredLocks` counts responders that died holding the mutex.
    public struct Statistics: Sendable, Equatable {
        public var capacity: Int
        public var used: Int
        public var evictions: UInt64
        public var recoveredLocks: UInt64

        public init(capacity: Int, used: Int, evictions: UInt64, recoveredLocks: UInt64) {
            self.capacity = capacity
            self.used = used
            self.evictions = evictions
            self.recoveredLocks = recoveredLocks
        }
    }

    /// Counts occupied slots under the mutex (a scan of the whole table: for status pages, not the
    /// request path).
    public var statistics: Statistics {
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        var used = 0
        for slot in 0..<capacity where table.isOccupied(slot) {
            used += 1
        }
        return Statistics(
            capacity: capacity, used: used, evictions: table.evictions,
            recoveredLocks: table.recoveredLocks)
    }

    /// Runs `body` holding the table's mutex, so tests can kill a process that holds it.
    func withLockForTesting(_ body: () -> Void) {
        let locked = table.lock()
        defer { if locked { table.unlock() } }
        body()
    }
}
