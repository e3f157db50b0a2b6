import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The pool as operators see it, after php-fpm's status page: children by role and stage, the
/// requests in flight, the pool-wide counters and, on a TCP listener, the accept queue.
public struct PoolStatus: Sendable {
    public struct Children: Sendable, Equatable {
        public var total = 0
        public var busy = 0
        public var idle = 0
        public var starting = 0

        public init(total: Int = 0, busy: Int = 0, idle: Int = 0, starting: Int = 0) {
            self.total = total
            self.busy = busy
            self.idle = idle
            self.starting = starting
        }
    }

    public struct InFlight: Sendable {
        public var slot: Int
        public var pid: Int32
        public var role: Scoreboard.Role
        /// `METHOD /path` of a request, or what a worker is on.
        public var request: String
        public var seconds: Double
    }

    public var responders: Children
    public var workers: Children
    public var inFlight: [InFlight]
    public var counters: Scoreboard.Counters
    /// Connections waiting to be accepted and the backlog's size; `nil` on a unix socket, whose queue Linux does not report here.
    public var listenQueue: (length: Int, limit: Int)?

    public init(
        responders: Children, workers: Children, inFlight: [InFlight], counters: Scoreboard.Counters,
        listenQueue: (length: Int, limit: Int)?
    ) {
        self.responders = responders
        self.workers = workers
        self.inFlight = inFlight
        self.counters = counters
        self.listenQueue = listenQueue
    }

    /// Reads the scoreboard now; `listener` is the listening socket (a responder's fd 0).
    public static func read(_ scoreboard: Scoreboard, listener: Int32) -> PoolStatus {
        var responders = Children()
        var workers = Children()
        var inFlight: [InFlight] = []
        let now = monotonicNanoseconds()
        for index in 0..<scoreboard.slotCount {
            let slot = scoreboard.snapshot(index)
            guard slot.stage != .free else { continue }
            var children = slot.role == .responder ? responders : workers
            children.total += 1
            switch slot.stage {
            case .busy:
                children.busy += 1
                inFlight.append(
                    InFlight(
                        slot: index, pid: slot.pid, role: slot.role, request: slot.request,
                        seconds: Double(max(0, now - slot.requestStartedAt)) / 1_000_000_000))
            case .idle: children.idle += 1
            case .starting: children.starting += 1
            case .free: break
            }
            if slot.role == .responder { responders = children } else { workers = children }
        }
        return PoolStatus(
            responders: responders, workers: workers, inFlight: inFlight, counters: scoreboard.counters,
            listenQueue: tcpListenQueue(listener))
    }

    /// For a listening TCP socket Linux reports the accept queue in `tcp_info`: `tcpi_unacked` is
    /// its length, `tcpi_sacked` the backlog.
    static func tcpListenQueue(_ descriptor: Int32) -> (length: Int, limit: Int)? {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0, address.ss_family == sa_family_t(AF_INET) || address.ss_family == sa_family_t(AF_INET6) else { return nil }
        var info = tcp_info()
        var size = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_INFO, &info, &size) == 0 else { return nil }
        return (Int(info.tcpi_unacked), Int(info.tcpi_sacked))
    }
}
