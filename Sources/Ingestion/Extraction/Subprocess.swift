import POSIXSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One program run with an explicit argv (no shell) through POSIXSystem's `ProcessSpawner`: stdin
/// from /dev/null, stdout and stderr captured through pipes with bounded reading, none of this
/// process's other descriptors, a wall-clock deadline after which it is killed (its whole process
/// group when it leads one), and its termination decoded.
///
/// All of the extraction module's process handling lives in this file.
struct Subprocess {
    struct Outcome: Sendable {
        var stdout: [UInt8]
        /// The first `maxStderrBytes` of standard error, for logs and for telling failures apart.
        var stderr: [UInt8]
        /// Standard output passed `maxStdoutBytes`: the process was killed and `stdout` holds the first part.
        var stdoutTruncated: Bool
        /// The deadline passed: the process (group) was killed.
        var timedOut: Bool
        var termination: ProcessTermination

        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The executable's path; argv[0] is its last component.
    var executable: String
    var arguments: [String]
    /// The complete environment of the program: nothing is inherited.
    var environment: [String: String]
    var deadline: ContinuousClock.Instant
    var maxStdoutBytes: Int
    var maxStderrBytes: Int = 64 * 1024
    /// Put the program in a new process group it leads, so a kill reaches everything it started.
    var newProcessGroup = false
    /// Descriptors of this process passed on as the given numbers (above standard error), such as
    /// the seccomp program bwrap reads.
    var passedDescriptors: [Int32: Int32] = [:]

    /// Starts the program and waits for it; throws only when it could not be started.
    func run() throws(SystemError) -> Outcome {
        let output = try PipePair()
        let errors: PipePair
        do { errors = try PipePair() } catch {
            output.closeBoth()
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(stdout: output.write, stderr: errors.write)
        } catch {
            output.closeBoth()
            errors.closeBoth()
            throw error
        }
        close(output.write)
        close(errors.write)
        defer {
            close(output.read)
            close(errors.read)
        }

        var outcome = Outcome(stdout: [], stderr: [], stdoutTruncated: false, timedOut: false, termination: .exited(0))
        var killed = false
        readBoth(output: output.read, errors: errors.read, into: &outcome) {
            terminate(pid)
            killed = true
        }
        if !killed {
            while !exited(pid) {
                if ContinuousClock.now >= deadline {
                    outcome.timedOut = true
                    terminate(pid)
                    break
                }
                usleep(2_000)
            }
        }
        // The program has exited (or been killed) but is not reaped yet, so its process group id
        // cannot have been reused: sweep up anything it left running in the group.
        if newProcessGroup { _ = killpg(pid, SIGKILL) }
        var status: Int32 = 0
        _ = try? systemCall("waitpid") { waitpid(pid, &status, 0) }
        outcome.termination = ProcessTermination(waitStatus: status)
        return outcome
    }

    /// The path of `name` along PATH (or a default), or nil when no executable file is there.
    static func locate(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        let directories = (path.isEmpty ? defaultPath : path).split(separator: ":")
        for directory in directories where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// An environment for a child: PATH, a UTF-8 locale, and the listed variables when this process has them.
    static func environment(passing names: [String], extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "PATH": getenv("PATH").map { String(cString: $0) } ?? defaultPath,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        ]
        for name in names {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        environment.merge(extra) { _, new in new }
        return environment
    }

    // MARK: - Spawning

    /// Nothing else of ours (database connections, listening sockets) reaches the program, and
    /// signals ignored or blocked here (SIGPIPE in a server, say) do not stay so in it.
    private func spawn(stdout: Int32, stderr: Int32) throws(SystemError) -> pid_t {
        var descriptors: [Int32: ProcessSpawner.Descriptor] = [
            0: .open(path: "/dev/null", flags: O_RDONLY), 1: .duplicate(stdout), 2: .duplicate(stderr),
        ]
        for (target, source) in passedDescriptors { descriptors[target] = .duplicate(source) }
        let spawner = ProcessSpawner(
            executable: executable, arguments: arguments,
            argumentZero: executable.split(separator: "/").last.map(String.init) ?? executable,
            environment: environment,
            descriptors: descriptors,
            closesOtherDescriptors: true, defaultSignals: ProcessSpawner.serverSignals,
            grouping: newProcessGroup ? .newProcessGroup : .inherit)
        return try spawner.spawn()
    }

    // MARK: - Reading and waiting

    /// Reads both pipes until both close, the deadline passes or stdout outgrows its bound; calls
    /// `stop` (once) in the last two cases.
    private func readBoth(output: Int32, errors: Int32, into outcome: inout Outcome, stop: () -> Void) {
        var descriptors = [
            pollfd(fd: output, events: Int16(POLLIN), revents: 0),
            pollfd(fd: errors, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while descriptors.contains(where: { $0.fd >= 0 }) {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                outcome.timedOut = true
                stop()
                return
            }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            let ready: Int32
            do {
                ready = try systemCall("poll") { poll(&descriptors, nfds_t(descriptors.count), Int32(milliseconds)) }
            } catch {
                stop()
                return
            }
            if ready == 0 { continue }
            for slot in descriptors.indices where descriptors[slot].fd >= 0 && descriptors[slot].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { raw in
                    (try? systemCall("read") { read(descriptors[slot].fd, raw.baseAddress, raw.count) }) ?? 0
                }
                if count <= 0 {
                    descriptors[slot].fd = -1  // end of file (or a read error: treat the same)
                    continue
                }
                if slot == 0 {
                    let room = maxStdoutBytes - outcome.stdout.count
                    outcome.stdout.append(contentsOf: buffer[0..<min(count, room)])
                    if count > room {
                        outcome.stdoutTruncated = true
                        stop()
                        return
                    }
                } else {
                    let room = max(0, maxStderrBytes - outcome.stderr.count)
                    outcome.stderr.append(contentsOf: buffer[0..<min(count, room)])
                }
            }
        }
    }

    /// Whether `pid` has exited, without reaping it (WNOWAIT), so its process id and group id stay
    /// reserved until `waitpid`.
    private func exited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard (try? systemCall("waitid") { waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) }) != nil else {
            return true  // ECHILD: nothing left to wait for
        }
        #if canImport(Glibc)
            return info._sifields._sigchld.si_pid != 0
        #else
            return info.si_pid != 0
        #endif
    }

    private func terminate(_ pid: pid_t) {
        if newProcessGroup {
            _ = killpg(pid, SIGKILL)
        } else {
            _ = kill(pid, SIGKILL)
        }
    }
}
