#if canImport(Glibc)
import Glibc
#endif

/// A responder process as the master tracks it.
struct Child {
    let pid: pid_t
    let slot: Int
    let generation: Int
    let spawnedAt: Int64
    /// Set once the master asked it to finish (reload, recycle or shutdown).
    var stopRequested = false
    /// Set once the master killed it (stuck past the request timeout, or the drain deadline passed).
    var killed = false
}

/// How a child ended, from `waitpid`'s status.
enum ExitStatus: CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(_ status: Int32) {
        // The W* macros are not imported into Swift; these are their glibc definitions.
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    var isClean: Bool { if case .exited(0) = self { true } else { false } }

    var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signaled(let signal): "killed by \(Signals.name(signal))"
        }
    }
}

/// Spawns and reaps responder processes.
enum Children {
    /// Starts `executable` with the listening socket on fd 0 and the scoreboard on fd 3, with the
    /// pool's signals unblocked and at their defaults again.
    static func spawn(executable: String, arguments: [String], listenDescriptor: Int32, scoreboardDescriptor: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, listenDescriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, scoreboardDescriptor, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = Signals.set(Signals.controlled + [SIGPIPE])
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw SystemError("posix_spawn \(executable)", errno: result) }
        return pid
    }

    /// Collects every child that has ended, without blocking.
    static func reap() -> [(pid: pid_t, status: ExitStatus)] {
        var ended: [(pid_t, ExitStatus)] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            ended.append((pid, ExitStatus(status)))
        }
        return ended
    }
}
