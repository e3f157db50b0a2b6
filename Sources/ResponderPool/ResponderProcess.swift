import Logging
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The responder's side of the pool: its scoreboard slot, the signals that tell it to finish, and
/// its request budget. The accept loop asks it, between requests, whether to go on.
public final class ResponderProcess {
    public struct Slot: Sendable {
        public var descriptor: Int32
        public var slots: Int
        public var index: Int

        public init(descriptor: Int32, slots: Int, index: Int) {
            self.descriptor = descriptor
            self.slots = slots
            self.index = index
        }
    }

    public enum Mode: Equatable, Sendable {
        /// Accept and serve requests.
        case serving
        /// Asked to finish: serve what is already queued on the socket, then exit.
        case draining(deadline: Int64)
        /// Exit now (request budget spent, or the master is gone).
        case exiting
    }

    /// How long a draining responder keeps taking queued connections; bounded so a TCP listener
    /// that never runs dry cannot hold the shutdown forever.
    public static let drainWindow: Int64 = 5_000_000_000

    public private(set) var mode = Mode.serving
    /// Requests longer than this count as slow in the pool's counters.
    public var slowRequestThreshold: Duration = .seconds(1)
    public private(set) var requestsServed = 0
    private let maxRequests: Int
    private let scoreboard: Scoreboard?
    private let slot: Int
    private let parent: pid_t
    private let logger: Logger

    /// - Parameters:
    ///   - slot: the scoreboard slot handed over by the master; `nil` when running alone (spawn-fcgi).
    ///   - maxRequests: requests to serve before exiting so the master starts a fresh process; 0 for no limit.
    public init(slot: Slot?, maxRequests: Int, logger: Logger) throws {
        Signals.blockControlled()
        self.maxRequests = maxRequests
        self.logger = logger
        self.parent = getppid()
        if let slot {
            scoreboard = try Scoreboard.attach(descriptor: slot.descriptor, slots: slot.slots)
            self.slot = slot.index
            scoreboard?.claim(slot.index, pid: getpid())
        } else {
            scoreboard = nil
            self.slot = 0
        }
    }

    /// Reads pending signals and the parent's liveness, and returns what to do next.
    public func poll() -> Mode {
        for signal in Signals.pending() where [SIGTERM, SIGINT, SIGQUIT, SIGHUP].contains(signal) {
            startDraining(because: signalName(signal))
        }
        if scoreboard != nil, getppid() != parent {
            startDraining(because: "master exited")
        }
        if case .draining(let deadline) = mode, monotonicNanoseconds() > deadline {
            mode = .exiting
        }
        return mode
    }

    /// The socket had nothing queued: a draining responder is done.
    public func queueEmpty() {
        if case .draining = mode { mode = .exiting }
    }

    public func beginRequest(_ summary: String) {
        scoreboard?.beginRequest(slot, summary: summary)
    }

    public func endRequest() {
        scoreboard?.endRequest(slot, slowAfter: nanoseconds(slowRequestThreshold))
        requestsServed += 1
        if maxRequests > 0, requestsServed >= maxRequests, mode == .serving {
            logger.debug("request budget spent; exiting for a fresh process", metadata: ["requests": "\(requestsServed)"])
            mode = .exiting
        }
    }

    /// The whole pool's status, read from the scoreboard; `nil` when running without a master.
    public func poolStatus(listener: Int32 = 0) -> PoolStatus? {
        scoreboard.map { PoolStatus.read($0, listener: listener) }
    }

    private func startDraining(because reason: String) {
        guard mode == .serving else { return }
        logger.debug("draining", metadata: ["reason": "\(reason)"])
        mode = .draining(deadline: monotonicNanoseconds() + Self.drainWindow)
    }
}
