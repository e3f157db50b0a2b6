import Logging
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The pool's master process: opens the listening socket and the scoreboard, spawns responders
/// (and background workers, which get no socket), and supervises them until told to stop — after
/// php-fpm's process manager. Everything below holds for workers too, with their own timeout.
///
/// - A responder that dies is respawned; when they die in a loop, respawns back off exponentially.
/// - A responder exits by itself after `maxRequests` and is replaced (recycling).
/// - A responder busy past `requestTimeout` is killed and replaced.
/// - `SIGHUP` replaces the responders one by one: a new one is started and ready before an old one
///   is asked to finish, so capacity never drops and no request is refused.
/// - `SIGTERM`, `SIGINT` and `SIGQUIT` drain: the socket is withdrawn, every responder finishes the
///   request it is on and those already queued, then the master exits. A second signal kills.
/// - `SIGUSR1` logs the scoreboard.
public final class Master {
    public struct Configuration: Sendable {
        public var listen: ListenAddress
        public var responders: Int
        public var requestTimeout: Duration
        /// How long responders may take to drain on shutdown before they are killed.
        public var drainTimeout: Duration
        /// The program to run as a responder, and its arguments (the master adds the scoreboard's).
        public var executable: String
        public var arguments: [String]
        public var pidFile: String?
        /// Further descriptors (shared-memory segments) every child inherits, as fds 4, 5, …
        public var sharedDescriptors: [Int32]
        /// Background workers, their arguments, and how long one job may run before the worker is killed.
        public var workers: Int = 0
        public var workerArguments: [String] = []
        public var workerTimeout: Duration = .seconds(600)

        public init(
            listen: ListenAddress, responders: Int, requestTimeout: Duration, drainTimeout: Duration,
            executable: String, arguments: [String], pidFile: String?, sharedDescriptors: [Int32] = []
        ) {
            self.listen = listen
            self.responders = responders
            self.requestTimeout = requestTimeout
            self.drainTimeout = drainTimeout
            self.executable = executable
            self.arguments = arguments
            self.pidFile = pidFile
            self.sharedDescriptors = sharedDescriptors
        }
    }

    enum State {
        case running
        case terminating(deadline: Int64)
    }

    /// A reload in progress: the old responders still to replace and the one being replaced now.
    struct Reload {
        var remaining: [pid_t]
        var replacement: (new: pid_t, old: pid_t, startedAt: Int64)?
    }

    public static let readinessTimeout: Int64 = 15_000_000_000
    static let crashWindow: Int64 = 2_000_000_000
    static let maximumBackoff: Int64 = 10_000_000_000

    let configuration: Configuration
    let logger: Logger
    private var listener: Listener?
    private var scoreboard: Scoreboard?
    private var children: [pid_t: Child] = [:]
    private var state = State.running
    private var generation = 1
    private var reload: Reload?
    private var consecutiveCrashes = 0
    private var nextSpawnAllowedAt: Int64 = 0

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the pool until it has drained after a termination signal.
    public func run() throws {
        Signals.blockControlled()
        let listener = try Listener(configuration.listen)
        self.listener = listener
        // Twice the pool: during a reload old and new children run side by side.
        scoreboard = try Scoreboard.create(slots: (configuration.responders + configuration.workers) * 2 + 2)
        try writePidFile()
        defer { removePidFile() }
        logger.info(
            "pool started",
            metadata: [
                "listen": "\(configuration.listen)", "responders": "\(configuration.responders)", "workers": "\(configuration.workers)",
            ])
        for _ in 0..<configuration.responders { spawn(.responder) }
        for _ in 0..<configuration.workers { spawn(.worker) }

        while true {
            var received = Signals.wait(milliseconds: 100).map { [$0] } ?? []
            received += Signals.pending()
            for signal in received { handle(signal) }
            reapChildren()
            switch state {
            case .running:
                killStuckResponders()
                progressReload()
                respawnMissing()
            case .terminating(let deadline):
                killStuckResponders()
                if children.isEmpty {
                    listener.close()
                    logger.info("pool stopped")
                    return
                }
                if monotonicNanoseconds() > deadline {
                    logger.warning("drain deadline passed; killing responders", metadata: ["remaining": "\(children.count)"])
                    killAll()
                }
            }
        }
    }

    // MARK: Signals

    private func handle(_ signal: Int32) {
        switch signal {
        case SIGCHLD:
            break
        case SIGHUP:
            beginReload()
        case SIGUSR1:
            logScoreboard()
        case SIGTERM, SIGINT, SIGQUIT:
            if case .terminating = state {
                logger.warning("second \(signalName(signal)); killing responders now")
                killAll()
            } else {
                beginTermination(signal)
            }
        default:
            break
        }
    }

    private func beginTermination(_ signal: Int32) {
        logger.info("draining", metadata: ["signal": "\(signalName(signal))", "responders": "\(children.count)"])
        listener?.withdraw()
        reload = nil
        state = .terminating(deadline: monotonicNanoseconds() + nanoseconds(configuration.drainTimeout))
        for pid in children.keys { requestStop(pid) }
    }

    private func beginReload() {
        guard case .running = state else { return }
        if reload != nil {
            logger.info("reload already in progress")
            return
        }
        generation += 1
        let old = children.values.filter { !$0.stopRequested }.map(\.pid).sorted()
        logger.info("reloading: replacing responders one by one", metadata: ["generation": "\(generation)", "count": "\(old.count)"])
        reload = Reload(remaining: old)
    }

    // MARK: Supervision

    @discardableResult
    private func spawn(_ role: Role) -> pid_t? {
        guard let listener, let scoreboard else { return nil }
        let taken = Set(children.values.map(\.slot))
        guard let slot = scoreboard.reserve(excluding: taken, role: role == .responder ? .responder : .worker) else {
            logger.error("no free scoreboard slot; not spawning")
            return nil
        }
        let arguments =
            (role == .responder ? configuration.arguments : configuration.workerArguments) + [
                "--scoreboard-fd", "3", "--scoreboard-slots", "\(scoreboard.slotCount)", "--scoreboard-slot", "\(slot)",
            ]
        do {
            // Only responders get the listening socket; a worker's fd 0 is the master's own.
            let socket: Int32? = role == .responder ? listener.descriptor : nil
            let descriptors = [socket, nil, nil, scoreboard.memory.descriptor] + configuration.sharedDescriptors.map { $0 }
            let pid = try Children.spawn(executable: configuration.executable, arguments: arguments, descriptors: descriptors)
            children[pid] = Child(pid: pid, role: role, slot: slot, generation: generation, spawnedAt: monotonicNanoseconds())
            logger.debug("\(role) spawned", metadata: ["child_pid": "\(pid)", "slot": "\(slot)", "generation": "\(generation)"])
            return pid
        } catch {
            scoreboard.release(slot)
            logger.error("cannot spawn responder", metadata: ["executable": "\(configuration.executable)", "error": "\(error)"])
            noteCrash()
            return nil
        }
    }

    private func reapChildren() {
        let now = monotonicNanoseconds()
        for (pid, status) in Children.reap() {
            guard let child = children.removeValue(forKey: pid) else { continue }
            scoreboard?.release(child.slot)
            if reload?.replacement?.new == pid {
                logger.error(
                    "new \(child.role) exited before it was ready; reload abandoned, keeping the running children",
                    metadata: ["child_pid": "\(pid)", "status": "\(status)"])
                reload = nil
            } else if reload?.replacement?.old == pid {
                reload?.replacement = nil
            }
            reload?.remaining.removeAll { $0 == pid }

            if !child.stopRequested { scoreboard?.recordRespawn() }
            if child.stopRequested || child.killed {
                logger.debug("\(child.role) finished", metadata: ["child_pid": "\(pid)", "status": "\(status)"])
            } else if status.isClean {
                logger.info("\(child.role) recycled", metadata: ["child_pid": "\(pid)"])
            } else {
                logger.warning("\(child.role) died", metadata: ["child_pid": "\(pid)", "status": "\(status)"])
                if now - child.spawnedAt < Self.crashWindow { noteCrash() } else { consecutiveCrashes = 0 }
            }
        }
    }

    /// Consecutive early deaths push the next spawn back: 0.1 s, 0.2 s, 0.4 s … up to 10 s.
    static func backoff(afterConsecutiveCrashes crashes: Int) -> Int64 {
        guard crashes > 0 else { return 0 }
        return min(Int64(100_000_000) << min(crashes - 1, 20), maximumBackoff)
    }

    private func noteCrash() {
        consecutiveCrashes += 1
        let delay = Self.backoff(afterConsecutiveCrashes: consecutiveCrashes)
        nextSpawnAllowedAt = monotonicNanoseconds() + delay
        if consecutiveCrashes > 1 {
            logger.warning(
                "responders keep dying; backing off",
                metadata: [
                    "consecutive": "\(consecutiveCrashes)", "delay_ms": "\(delay / 1_000_000)",
                ])
        }
    }

    private func respawnMissing() {
        guard monotonicNanoseconds() >= nextSpawnAllowedAt else { return }
        for (role, wanted) in [(Role.responder, configuration.responders), (.worker, configuration.workers)] {
            let active = children.values.filter { $0.role == role && !$0.stopRequested && !$0.killed }.count
            for _ in min(active, wanted)..<wanted { spawn(role) }
        }
    }

    private func killStuckResponders() {
        guard let scoreboard else { return }
        let now = monotonicNanoseconds()
        for (pid, child) in children where !child.killed {
            let limit = nanoseconds(child.role == .responder ? configuration.requestTimeout : configuration.workerTimeout)
            let slot = scoreboard.snapshot(child.slot)
            guard slot.stage == .busy, slot.pid == pid, now - slot.requestStartedAt > limit else { continue }
            logger.error(
                "\(child.role) stuck past the request timeout; killing it",
                metadata: [
                    "child_pid": "\(pid)", "request": "\(slot.request)", "seconds": "\((now - slot.requestStartedAt) / 1_000_000_000)",
                ])
            kill(pid, SIGKILL)
            children[pid]?.killed = true
        }
    }

    /// One step of a reload: start a replacement, wait until it is ready, then ask the old one to finish.
    private func progressReload() {
        guard let current = reload, let scoreboard else { return }
        let now = monotonicNanoseconds()
        if let replacement = current.replacement {
            guard let new = children[replacement.new] else { return }
            if scoreboard.snapshot(new.slot).stage == .starting {
                if now - replacement.startedAt > Self.readinessTimeout {
                    logger.error(
                        "new \(new.role) not ready in time; reload abandoned, keeping the running children",
                        metadata: ["child_pid": "\(new.pid)"])
                    kill(new.pid, SIGKILL)
                    children[new.pid]?.killed = true
                    reload = nil
                }
                return
            }
            if let old = children[replacement.old] {
                if !old.stopRequested { requestStop(old.pid) }
            } else {
                reload?.replacement = nil
            }
            return
        }
        guard let old = current.remaining.first else {
            logger.info("reload complete", metadata: ["generation": "\(generation)"])
            reload = nil
            return
        }
        reload?.remaining.removeFirst()
        guard let child = children[old], !child.stopRequested, !child.killed else { return }
        if let new = spawn(child.role) {
            reload?.replacement = (new: new, old: old, startedAt: now)
        }
    }

    private func requestStop(_ pid: pid_t) {
        children[pid]?.stopRequested = true
        kill(pid, SIGTERM)
    }

    private func killAll() {
        for pid in children.keys {
            kill(pid, SIGKILL)
            children[pid]?.killed = true
        }
    }

    private func logScoreboard() {
        guard let scoreboard else { return }
        for child in children.values.sorted(by: { $0.slot < $1.slot }) {
            let slot = scoreboard.snapshot(child.slot)
            logger.info(
                "\(child.role)",
                metadata: [
                    "child_pid": "\(child.pid)", "slot": "\(child.slot)", "generation": "\(child.generation)",
                    "stage": "\(slot.stage)", "requests": "\(slot.requestsServed)", "request": "\(slot.request)",
                ])
        }
    }

    // MARK: Pid file

    private func writePidFile() throws {
        guard let path = configuration.pidFile else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        defer { close(fd) }
        let text = Array("\(getpid())\n".utf8)
        guard Glibc.write(fd, text, text.count) == text.count else { throw SystemError("write \(path)") }
    }

    private func removePidFile() {
        if let path = configuration.pidFile { unlink(path) }
    }
}

func nanoseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
}
