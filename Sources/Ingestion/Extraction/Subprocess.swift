#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A system call that failed: the call's name and errno.
struct SystemCallError: Error, Equatable, CustomStringConvertible {
    var call: String
    var errno: Int32

    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Runs `body` again while it fails with EINTR; any other failure (-1) becomes a `SystemCallError`
/// carrying the call's name and errno. Every system call of this file goes through here.
@discardableResult
func systemCall(_ name: String, _ body: () -> Int32) throws(SystemCallError) -> Int32 {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = errno
        if error != EINTR { throw SystemCallError(call: name, errno: error) }
    }
}

/// One program run with an explicit argv (no shell) through posix_spawn: stdin from /dev/null,
/// stdout and stderr captured through pipes with bounded reading, a wall-clock deadline after which it
/// is killed (its whole process group when it leads one), and its termination decoded.
///
/// All of the extraction module's process handling and its unsafe pointers live in this file.
struct Subprocess {
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
    }

    struct Outcome: Sendable {
        var stdout: [UInt8]
        /// The first `maxStderrBytes` of standard error, for logs and for telling failures apart.
        var stderr: [UInt8]
        /// Standard output passed `maxStdoutBytes`: the process was killed and `stdout` holds the first part.
        var stdoutTruncated: Bool
        /// The deadline passed: the process (group) was killed.
        var timedOut: Bool
        var termination: Termination

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

    /// Starts the program and waits for it; throws only when it could not be started.
    func run() throws(SystemCallError) -> Outcome {
        let output = try Pipe()
        let errors: Pipe
        do { errors = try Pipe() } catch {
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
        outcome.termination = Self.termination(status)
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

    private func spawn(stdout: Int32, stderr: Int32) throws(SystemCallError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try spawnCall("posix_spawn_file_actions_init") { posix_spawn_file_actions_init(&actions) }
        defer { posix_spawn_file_actions_destroy(&actions) }
        try spawnCall("posix_spawn_file_actions_addopen") {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        try spawnCall("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        try spawnCall("posix_spawn_file_actions_adddup2") { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        // Nothing else of ours (database connections, listening sockets) reaches the program.
        if let closeFrom = GlibcExtras.addCloseFrom {
            try spawnCall("posix_spawn_file_actions_addclosefrom_np") { closeFrom(&actions, 3) }
        }

        var attributes = posix_spawnattr_t()
        try spawnCall("posix_spawnattr_init") { posix_spawnattr_init(&attributes) }
        defer { posix_spawnattr_destroy(&attributes) }
        // Signals ignored or blocked here (SIGPIPE in a server, say) must not stay so in the program.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGXCPU, SIGXFSZ, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2] {
            sigaddset(&defaults, signal)
        }
        var mask = sigset_t()
        sigemptyset(&mask)
        try spawnCall("posix_spawnattr_setsigdefault") { posix_spawnattr_setsigdefault(&attributes, &defaults) }
        try spawnCall("posix_spawnattr_setsigmask") { posix_spawnattr_setsigmask(&attributes, &mask) }
        var flags = Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            try spawnCall("posix_spawnattr_setpgroup") { posix_spawnattr_setpgroup(&attributes, 0) }
        }
        try spawnCall("posix_spawnattr_setflags") { posix_spawnattr_setflags(&attributes, Int16(flags)) }

        let name = executable.split(separator: "/").last.map(String.init) ?? executable
        let argv = CStringArray([name] + arguments)
        let envp = CStringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        defer {
            argv.release()
            envp.release()
        }
        var pid: pid_t = 0
        try spawnCall("posix_spawn") { posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers) }
        return pid
    }

    /// The posix_spawn family returns the error number instead of setting errno.
    private func spawnCall(_ name: String, _ body: () -> Int32) throws(SystemCallError) {
        let result = body()
        if result != 0 { throw SystemCallError(call: name, errno: result) }
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
                    (try? systemCall("read") { Int32(truncatingIfNeeded: read(descriptors[slot].fd, raw.baseAddress, raw.count)) }) ?? 0
                }
                if count <= 0 {
                    descriptors[slot].fd = -1  // end of file (or a read error: treat the same)
                    continue
                }
                if slot == 0 {
                    let room = maxStdoutBytes - outcome.stdout.count
                    outcome.stdout.append(contentsOf: buffer[0..<min(Int(count), room)])
                    if Int(count) > room {
                        outcome.stdoutTruncated = true
                        stop()
                        return
                    }
                } else {
                    let room = max(0, maxStderrBytes - outcome.stderr.count)
                    outcome.stderr.append(contentsOf: buffer[0..<min(Int(count), room)])
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

    private static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }
}

/// Both ends of a pipe, close-on-exec, so only the descriptors dup2'ed onto 1 and 2 reach the program.
private struct Pipe {
    var read: Int32
    var write: Int32

    init() throws(SystemCallError) {
        var ends: [Int32] = [-1, -1]
        if let pipe2 = GlibcExtras.pipe2 {
            try systemCall("pipe2") { pipe2(&ends, O_CLOEXEC) }
        } else {
            // Without pipe2 another thread's spawn may inherit these ends until the fcntl; the
            // close-from file action above still keeps them out of our own programs.
            try systemCall("pipe") { pipe(&ends) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        read = ends[0]
        write = ends[1]
    }

    func closeBoth() {
        close(read)
        close(write)
    }
}

/// A NULL-terminated array of C strings for argv and envp; `release()` frees it.
private struct CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[count] = nil
    }

    func release() {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}

/// glibc functions the Swift Glibc module does not import (they are declared only under
/// `_GNU_SOURCE`), looked up once by name; nil on a C library without them.
private enum GlibcExtras {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2").map { unsafeBitCast($0, to: Pipe2.self) }
    static let addCloseFrom: AddCloseFrom? =
        symbol("posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private static func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlsym(dlopen(nil, RTLD_NOW), name)
    }
}
