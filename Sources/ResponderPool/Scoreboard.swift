import Atomics
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The pool's shared scoreboard, after php-fpm's: one slot per child, written only by that child
/// (its stage, the request it is on and since when), read by the master to find stuck responders
/// and by any responder to report status; and pool-wide counters in the header — requests
/// accepted, slow requests, respawns, and a histogram of request durations — that every responder
/// adds to atomically, so they survive the responders that counted them.
public final class Scoreboard {
    public enum Stage: Int64, Sendable, CustomStringConvertible {
        case free = 0
        case starting = 1
        case idle = 2
        case busy = 3

        public var description: String {
            switch self {
            case .free: "free"
            case .starting: "starting"
            case .idle: "idle"
            case .busy: "busy"
            }
        }
    }

    /// What a slot is for.
    public enum Role: Int64, Sendable, CustomStringConvertible {
        case responder = 0
        case worker = 1

        public var description: String { self == .responder ? "responder" : "ingest-worker" }
    }

    /// What the master sees in one slot.
    public struct Snapshot: Sendable {
        public var slot: Int
        public var pid: Int32
        public var stage: Stage
        public var role: Role
        public var requestStartedAt: Int64
        public var requestsServed: Int64
        public var request: String
    }

    /// The pool-wide counters.
    public struct Counters: Sendable, Equatable {
        /// Requests responders finished since the master started.
        public var accepted: Int64
        /// Of which took longer than the slow-request threshold.
        public var slow: Int64
        /// Children that exited on their own or were killed, and were replaced.
        public var respawns: Int64
        /// Sum of the request durations, in nanoseconds.
        public var durationNanoseconds: Int64
        /// Requests per duration bucket, `durationBounds` then one for longer ones.
        public var durationBuckets: [Int64]

        public init(accepted: Int64, slow: Int64, respawns: Int64, durationNanoseconds: Int64, durationBuckets: [Int64]) {
            self.accepted = accepted
            self.slow = slow
            self.respawns = respawns
            self.durationNanoseconds = durationNanoseconds
            self.durationBuckets = durationBuckets
        }
    }

    /// Upper bounds (seconds) of the request-duration histogram.
    public static let durationBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    static let slotSize = 256
    static let headerSize = 256
    static let requestTextOffset = 64
    static let requestTextCapacity = slotSize - requestTextOffset
    private enum Field: Int {
        case pid = 0
        case stage, requestStartedAt, requestsServed, role
    }
    private enum HeaderField: Int {
        case accepted = 0
        case slow, respawns, durationNanoseconds, firstBucket
    }

    public let memory: SharedMemory
    public let slotCount: Int

    public static func create(slots: Int) throws -> Scoreboard {
        let memory = try SharedMemory.create(size: headerSize + slots * slotSize)
        return Scoreboard(memory: memory, slotCount: slots)
    }

    public static func attach(descriptor: Int32, slots: Int) throws -> Scoreboard {
        Scoreboard(memory: try SharedMemory(descriptor: descriptor, size: headerSize + slots * slotSize), slotCount: slots)
    }

    private init(memory: SharedMemory, slotCount: Int) {
        self.memory = memory
        self.slotCount = slotCount
    }

    private func header(_ field: HeaderField, offset: Int = 0) -> UnsafeAtomic<Int64> {
        let address = memory.base + (field.rawValue + offset) * 8
        return UnsafeAtomic(at: address.assumingMemoryBound(to: Int64.AtomicRepresentation.self))
    }

    private func atomic(_ slot: Int, _ field: Field) -> UnsafeAtomic<Int64> {
        precondition(slot >= 0 && slot < slotCount, "scoreboard slot out of range")
        let address = memory.base + Self.headerSize + slot * Self.slotSize + field.rawValue * 8
        return UnsafeAtomic(at: address.assumingMemoryBound(to: Int64.AtomicRepresentation.self))
    }

    // MARK: Written by the responder that owns the slot

    public func claim(_ slot: Int, pid: Int32) {
        atomic(slot, .pid).store(Int64(pid), ordering: .relaxed)
        atomic(slot, .requestsServed).store(0, ordering: .relaxed)
        atomic(slot, .stage).store(Stage.idle.rawValue, ordering: .releasing)
    }

    public func beginRequest(_ slot: Int, summary: String) {
        let text = memory.base + Self.headerSize + slot * Self.slotSize + Self.requestTextOffset
        let bytes = Array(summary.utf8.prefix(Self.requestTextCapacity - 1))
        bytes.withUnsafeBytes { text.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        text.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
        atomic(slot, .requestStartedAt).store(monotonicNanoseconds(), ordering: .relaxed)
        atomic(slot, .stage).store(Stage.busy.rawValue, ordering: .releasing)
    }

    /// Ends the slot's request; a responder's also counts in the pool's counters, as slow when it
    /// took longer than `slowAfter` nanoseconds.
    public func endRequest(_ slot: Int, slowAfter: Int64 = .max) {
        atomic(slot, .requestsServed).wrappingIncrement(ordering: .relaxed)
        if atomic(slot, .role).load(ordering: .relaxed) == Role.responder.rawValue {
            let duration = max(0, monotonicNanoseconds() - atomic(slot, .requestStartedAt).load(ordering: .relaxed))
            header(.accepted).wrappingIncrement(ordering: .relaxed)
            if duration > slowAfter { header(.slow).wrappingIncrement(ordering: .relaxed) }
            header(.durationNanoseconds).wrappingIncrement(by: duration, ordering: .relaxed)
            let seconds = Double(duration) / 1_000_000_000
            let bucket = Self.durationBounds.firstIndex { seconds <= $0 } ?? Self.durationBounds.count
            header(.firstBucket, offset: bucket).wrappingIncrement(ordering: .relaxed)
        }
        atomic(slot, .stage).store(Stage.idle.rawValue, ordering: .releasing)
    }

    public var counters: Counters {
        Counters(
            accepted: header(.accepted).load(ordering: .relaxed), slow: header(.slow).load(ordering: .relaxed),
            respawns: header(.respawns).load(ordering: .relaxed),
            durationNanoseconds: header(.durationNanoseconds).load(ordering: .relaxed),
            durationBuckets: (0...Self.durationBounds.count).map { header(.firstBucket, offset: $0).load(ordering: .relaxed) })
    }

    // MARK: Written by the master

    /// Reserves a free slot for a child about to be spawned.
    public func reserve(excluding taken: Set<Int>, role: Role = .responder) -> Int? {
        for slot in 0..<slotCount where !taken.contains(slot) {
            atomic(slot, .pid).store(0, ordering: .relaxed)
            atomic(slot, .role).store(role.rawValue, ordering: .relaxed)
            atomic(slot, .stage).store(Stage.starting.rawValue, ordering: .releasing)
            return slot
        }
        return nil
    }

    /// Counts a child replaced after it exited or was killed.
    public func recordRespawn() {
        header(.respawns).wrappingIncrement(ordering: .relaxed)
    }

    public func release(_ slot: Int) {
        atomic(slot, .stage).store(Stage.free.rawValue, ordering: .releasing)
        atomic(slot, .pid).store(0, ordering: .relaxed)
    }

    public func snapshot(_ slot: Int) -> Snapshot {
        let stage = Stage(rawValue: atomic(slot, .stage).load(ordering: .acquiring)) ?? .free
        let text = memory.base + Self.headerSize + slot * Self.slotSize + Self.requestTextOffset
        let request = String(cString: text.assumingMemoryBound(to: CChar.self))
        return Snapshot(
            slot: slot,
            pid: Int32(truncatingIfNeeded: atomic(slot, .pid).load(ordering: .relaxed)),
            stage: stage,
            role: Role(rawValue: atomic(slot, .role).load(ordering: .relaxed)) ?? .responder,
            requestStartedAt: atomic(slot, .requestStartedAt).load(ordering: .relaxed),
            requestsServed: atomic(slot, .requestsServed).load(ordering: .relaxed),
            request: stage == .busy ? request : ""
        )
    }
}
