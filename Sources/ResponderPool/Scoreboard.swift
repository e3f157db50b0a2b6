import Atomics

#if canImport(Glibc)
import Glibc
#endif

/// The pool's shared scoreboard, after php-fpm's: one slot per responder, written only by that
/// responder (its stage, the request it is on and since when), read by the master to find stuck
/// responders and to report status.
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

    /// What the master sees in one slot.
    public struct Snapshot: Sendable {
        public var slot: Int
        public var pid: Int32
        public var stage: Stage
        public var requestStartedAt: Int64
        public var requestsServed: Int64
        public var request: String
    }

    static let slotSize = 256
    static let headerSize = 64
    static let requestTextOffset = 64
    static let requestTextCapacity = slotSize - requestTextOffset
    private enum Field: Int {
        case pid = 0, stage, requestStartedAt, requestsServed
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

    public func endRequest(_ slot: Int) {
        atomic(slot, .requestsServed).wrappingIncrement(ordering: .relaxed)
        atomic(slot, .stage).store(Stage.idle.rawValue, ordering: .releasing)
    }

    // MARK: Written by the master

    /// Reserves a free slot for a child about to be spawned.
    public func reserve(excluding taken: Set<Int>) -> Int? {
        for slot in 0..<slotCount where !taken.contains(slot) {
            atomic(slot, .pid).store(0, ordering: .relaxed)
            atomic(slot, .stage).store(Stage.starting.rawValue, ordering: .releasing)
            return slot
        }
        return nil
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
            requestStartedAt: atomic(slot, .requestStartedAt).load(ordering: .relaxed),
            requestsServed: atomic(slot, .requestsServed).load(ordering: .relaxed),
            request: stage == .busy ? request : ""
        )
    }
}
