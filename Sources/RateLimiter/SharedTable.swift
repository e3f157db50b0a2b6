import POSIXSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The limiter's table in shared memory: every pointer, the memory layout and the mutex live here.
///
/// Layout (all fields 8-byte words, naturally aligned):
///
///     header, 128 bytes
///       0 magic  8 layout version  16 capacity  24 probe window  32 evictions
///      40 recovered locks  48 slot size  56 reserved  64 pthread_mutex_t (≤ 64 bytes)
///     slots, 128 bytes each (two cache lines)
///       0 key high  8 key low  16 TAT  24 last seen  32 limit the TAT counts in  40 occupied  48 reserved
///       64 lease window  72 leased requests held  80 lease deadline  88 renewal started  96 slice
///      104 no lease before  112 window's ungranted requests  120 reserved
///
/// The first line is all a host-scoped check touches; the second holds the host's share of a
/// cluster-wide quota (`RateLimiter+Leases.swift`) and is zero until a lease is deposited.
/// Every access to a slot happens under the process-shared robust mutex. Fields are written with
/// single aligned 8-byte atomic stores, so a process killed mid-update leaves each field either old
/// or new; a slot being claimed is marked free before its key changes and occupied only after its
/// state is written, so a half-written claim reads as a free slot.
struct SharedTable {
    static let headerSize = 128
    static let slotSize = 128
    static let maximumWindow = 32
    static let maximumCapacity = 1 << 32
    /// "CPNRLIM" + a trailing byte that never changes; the layout version is a separate word.
    static let magic: UInt64 = 0x4350_4E52_4C49_4D00
    static let layoutVersion: UInt64 = 2

    private enum Header: Int {
        case magic = 0
        case version, capacity, window, evictions, recoveredLocks, slotSize
        static let mutexOffset = 64
    }

    private enum Field: Int {
        case high = 0
        case low, tat, lastSeen, limit, occupied
        case leaseWindow = 8
        case leaseTokens, leaseDeadline, renewalStarted, leaseSlice, leaseRetryAt, leaseUngranted
    }

    let capacity: Int
    let window: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    static func segmentSize(capacity: Int) -> Int {
        headerSize + min(max(capacity, 0), maximumCapacity) * slotSize
    }

    // MARK: Setting up

    /// Initializes a table over `size` bytes at `memory`: zeroes it, sets up the mutex and writes
    /// the magic last, so a table that failed half-way is never attached.
    static func create(in memory: UnsafeMutableRawPointer, size: Int, capacity: Int) throws -> SharedTable {
        guard capacity >= 1, capacity <= maximumCapacity else {
            throw RateLimiterError(.invalidCapacity, "capacity \(capacity) is outside 1...\(maximumCapacity)")
        }
        try checkAlignment(memory)
        let needed = segmentSize(capacity: capacity)
        guard size >= needed else {
            throw RateLimiterError(.segmentTooSmall, "\(size) bytes, capacity \(capacity) needs \(needed)")
        }
        guard MemoryLayout<pthread_mutex_t>.size <= headerSize - Header.mutexOffset else {
            throw RateLimiterError(.incompatibleLayout, "pthread_mutex_t does not fit the header")
        }
        memset(memory, 0, needed)
        let table = SharedTable(memory: memory, capacity: capacity, window: min(maximumWindow, capacity))

        var attributes = pthread_mutexattr_t()
        try SystemError.check("pthread_mutexattr_init", pthread_mutexattr_init(&attributes))
        defer { pthread_mutexattr_destroy(&attributes) }
        try SystemError.check("pthread_mutexattr_setpshared", pthread_mutexattr_setpshared(&attributes, Int32(PTHREAD_PROCESS_SHARED)))
        try SystemError.check("pthread_mutexattr_setrobust", pthread_mutexattr_setrobust(&attributes, Int32(PTHREAD_MUTEX_ROBUST)))
        try SystemError.check("pthread_mutex_init", pthread_mutex_init(table.mutex, &attributes))

        table.store(UInt64(capacity), header: .capacity)
        table.store(UInt64(table.window), header: .window)
        table.store(UInt64(slotSize), header: .slotSize)
        table.store(layoutVersion, header: .version)
        atomicMemoryFence(ordering: .releasing)
        table.store(magic, header: .magic)
        return table
    }

    /// Attaches to a table another process created, validating its header against `size`.
    static func attach(to memory: UnsafeMutableRawPointer, size: Int) throws -> SharedTable {
        try checkAlignment(memory)
        guard size >= headerSize else {
            throw RateLimiterError(.segmentTooSmall, "\(size) bytes is smaller than the \(headerSize)-byte header")
        }
        let header = memory.bindMemory(to: Atomic<UInt64>.self, capacity: Header.mutexOffset / 8)
        guard header[Header.magic.rawValue].load(ordering: .acquiring) == magic else {
            throw RateLimiterError(.notATable, "no rate limiter table at this address (wrong magic)")
        }
        let version = header[Header.version.rawValue].load(ordering: .relaxed)
        let storedSlotSize = header[Header.slotSize.rawValue].load(ordering: .relaxed)
        guard version == layoutVersion, storedSlotSize == UInt64(slotSize) else {
            throw RateLimiterError(
                .incompatibleLayout, "layout version \(version), slot size \(storedSlotSize); expected \(layoutVersion), \(slotSize)")
        }
        let capacity = header[Header.capacity.rawValue].load(ordering: .relaxed)
        let window = header[Header.window.rawValue].load(ordering: .relaxed)
        guard capacity >= 1, capacity <= UInt64(maximumCapacity),
            window >= 1, window <= min(UInt64(maximumWindow), capacity)
        else {
            throw RateLimiterError(.incompatibleLayout, "capacity \(capacity), window \(window) out of range")
        }
        let needed = segmentSize(capacity: Int(capacity))
        guard size >= needed else {
            throw RateLimiterError(.segmentTooSmall, "\(size) bytes, capacity \(capacity) needs \(needed)")
        }
        return SharedTable(memory: memory, capacity: Int(capacity), window: Int(window))
    }

    private init(memory: UnsafeMutableRawPointer, capacity: Int, window: Int) {
        self.capacity = capacity
        self.window = window
        words = memory.bindMemory(to: Atomic<UInt64>.self, capacity: Header.mutexOffset / 8)
        mutex = (memory + Header.mutexOffset).bindMemory(to: pthread_mutex_t.self, capacity: 1)
        _ = (memory + Self.headerSize).bindMemory(to: Atomic<UInt64>.self, capacity: capacity * Self.slotSize / 8)
    }

    private static func checkAlignment(_ memory: UnsafeMutableRawPointer) throws {
        guard Int(bitPattern: memory) % max(8, MemoryLayout<pthread_mutex_t>.alignment) == 0 else {
            throw RateLimiterError(.misaligned, "memory must be 8-byte aligned")
        }
    }

    // MARK: The lock

    /// Takes the table's mutex. When its holder died (`EOWNERDEAD`), marks it consistent, counts
    /// the recovery and carries on: each slot field is old or new, never torn. Returns false only
    /// if the mutex is unusable (`ENOTRECOVERABLE`, which this code never causes); the caller then
    /// proceeds without it rather than failing or wedging the request.
    func lock() -> Bool {
        let result = pthread_mutex_lock(mutex)
        if result == EOWNERDEAD {
            pthread_mutex_consistent(mutex)
            word(header: .recoveredLocks).pointee.wrappingAdd(1, ordering: .relaxed)
            return true
        }
        return result == 0
    }

    func unlock() {
        pthread_mutex_unlock(mutex)
    }

    // MARK: Counters

    var evictions: UInt64 { word(header: .evictions).pointee.load(ordering: .relaxed) }
    var recoveredLocks: UInt64 { word(header: .recoveredLocks).pointee.load(ordering: .relaxed) }

    func countEviction() {
        word(header: .evictions).pointee.wrappingAdd(1, ordering: .relaxed)
    }

    // MARK: Slots (call with the lock held)

    /// Where `key` starts its probe window: a 64-bit finalizer over both halves, reduced to
    /// 0..<capacity by a multiply-high (no division).
    func home(of key: RateLimitKey) -> Int {
        let hash = Self.mix(key.high ^ Self.mix(key.low &+ 0x9E37_79B9_7F4A_7C15))
        return Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    func isOccupied(_ slot: Int) -> Bool {
        load(slot, .occupied) != 0
    }

    func holds(_ key: RateLimitKey, _ slot: Int) -> Bool {
        load(slot, .high) == key.high && load(slot, .low) == key.low
    }

    func key(at slot: Int) -> RateLimitKey {
        RateLimitKey(high: load(slot, .high), low: load(slot, .low))
    }

    func state(at slot: Int) -> GCRA.State {
        GCRA.State(
            tat: Int64(bitPattern: load(slot, .tat)), lastSeen: Int64(bitPattern: load(slot, .lastSeen)),
            limit: Int64(bitPattern: load(slot, .limit)))
    }

    /// Stores a bucket's new state in the slot that already holds its key.
    func update(_ slot: Int, state: GCRA.State) {
        store(slot, .tat, UInt64(bitPattern: state.tat))
        store(slot, .lastSeen, UInt64(bitPattern: state.lastSeen))
        store(slot, .limit, UInt64(bitPattern: state.limit))
    }

    /// Gives the slot to `key`: free first, then key and state, then occupied, so a process dying
    /// part-way leaves a free slot rather than a key paired with another key's state.
    func claim(_ slot: Int, key: RateLimitKey, state: GCRA.State) {
        store(slot, .occupied, 0)
        atomicMemoryFence(ordering: .releasing)
        store(slot, .high, key.high)
        store(slot, .low, key.low)
        update(slot, state: state)
        update(slot, lease: LeaseState())
        word(slot, .occupied).pointee.store(1, ordering: .releasing)
    }

    /// What the host holds of the key's cluster-wide quota.
    func lease(at slot: Int) -> LeaseState {
        LeaseState(
            window: Int64(bitPattern: load(slot, .leaseWindow)), tokens: Int64(bitPattern: load(slot, .leaseTokens)),
            deadline: Int64(bitPattern: load(slot, .leaseDeadline)),
            renewalStarted: Int64(bitPattern: load(slot, .renewalStarted)), slice: Int64(bitPattern: load(slot, .leaseSlice)),
            retryAt: Int64(bitPattern: load(slot, .leaseRetryAt)), ungranted: Int64(bitPattern: load(slot, .leaseUngranted)))
    }

    /// Whether the slot still holds leased requests (two words, not the whole lease).
    func holdsLeasedRequests(_ slot: Int, now: Int64) -> Bool {
        Int64(bitPattern: load(slot, .leaseTokens)) > 0 && Int64(bitPattern: load(slot, .leaseDeadline)) > now
    }

    func update(_ slot: Int, lease: LeaseState) {
        store(slot, .leaseWindow, UInt64(bitPattern: lease.window))
        store(slot, .leaseTokens, UInt64(bitPattern: lease.tokens))
        store(slot, .leaseDeadline, UInt64(bitPattern: lease.deadline))
        store(slot, .renewalStarted, UInt64(bitPattern: lease.renewalStarted))
        store(slot, .leaseSlice, UInt64(bitPattern: lease.slice))
        store(slot, .leaseRetryAt, UInt64(bitPattern: lease.retryAt))
        store(slot, .leaseUngranted, UInt64(bitPattern: lease.ungranted))
    }

    // MARK: Words

    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B93F_E53A_87EC
        x ^= x >> 33
        return x
    }

    private func word(header field: Header) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + field.rawValue
    }

    private func store(_ value: UInt64, header field: Header) {
        word(header: field).pointee.store(value, ordering: .relaxed)
    }

    private func word(_ slot: Int, _ field: Field) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (Self.headerSize + slot &* Self.slotSize) / 8 + field.rawValue
    }

    private func load(_ slot: Int, _ field: Field) -> UInt64 {
        word(slot, field).pointee.load(ordering: .relaxed)
    }

    private func store(_ slot: Int, _ field: Field, _ value: UInt64) {
        word(slot, field).pointee.store(value, ordering: .relaxed)
    }
}
