import POSIXSystem

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

/// Spawns and reaps responder processes.
enum Children {
    /// Starts `executable` with `descriptors[i]` of this process as its fd `i` (fds 1 and 2 stay
    /// stdout and stderr: pass `nil` for them), with the pool's signals unblocked and at their defaults again.
    static func spawn(executable: String, arguments: [String], descriptors: [Int32?]) throws -> pid_t {
        var placed: [Int32: ProcessSpawner.Descriptor] = [:]
        for case (let target, let source?) in descriptors.enumerated() {
            placed[Int32(target)] = .duplicate(source)
        }
        let spawner = ProcessSpawner(
            executable: executable, arguments: arguments, descriptors: placed, defaultSignals: Signals.controlled + [SIGPIPE])
        return try spawner.spawn()
    }

    /// Collects every child that has ended, without blocking.
    static func reap() -> [(pid: pid_t, status: ProcessTermination)] {
        var ended: [(pid_t, ProcessTermination)] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            ended.append((pid, ProcessTermination(waitStatus: status)))
        }
        return ended
    }
}
