#if canImport(Glibc)
    import Glibc
#endif

/// What a pool child does: answer FastCGI requests, or work through background jobs.
public enum Role: String, Sendable {
    case responder
    case worker
}

/// A child process as the master tracks it.
struct Child {
    let pid: pid_t
    let role: Role
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
    /// Above any descriptor the master holds, so moving descriptors into place cannot clobber one not yet moved.
    static let stagingDescriptor: Int32 = 200

    /// Starts `executable` with `descriptors[i]` of this process as its fd `i` (fds 1 and 2 stay
    /// stdout and stderr: pass `nil` for them), with the pool's signals unblocked and at their defaults again.
    static func spawn(executable: String, arguments: [String], descriptors: [Int32?]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let moves = descriptors.enumerated().compactMap { target, source in source.map { (source: $0, target: Int32(target)) } }
        for (index, move) in moves.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, move.source, stagingDescriptor + Int32(index))
        }
        for (index, move) in moves.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, stagingDescriptor + Int32(index), move.target)
            posix_spawn_file_actions_addclose(&actions, stagingDescriptor + Int32(index))
        }

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
        defer {
            for argument in argv {
                free(argument)
            }
        }
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
