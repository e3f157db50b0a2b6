#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program to start with `posix_spawn`: an explicit argv (no shell), the descriptors it gets, its
/// environment, and signals, process group and session reset so it starts as from a clean shell
/// whatever this process blocked or ignored.
///
/// The child always starts with an empty signal mask, and `defaultSignals` at their default
/// dispositions (a server ignores `SIGPIPE`, say; its children should not). Descriptors not named
/// in `descriptors` are inherited unless close-on-exec, or closed by `closesOtherDescriptors`.
public struct ProcessSpawner: Sendable {
    /// What one of the program's descriptors is.
    public enum Descriptor: Sendable, Hashable {
        /// This process's descriptor, duplicated into place (the duplicate is not close-on-exec,
        /// whatever the original is).
        case duplicate(Int32)
        /// A file the child opens, such as `/dev/null` for standard input.
        case open(path: String, flags: Int32)
    }

    /// Where the program stands among process groups and sessions.
    public enum Grouping: Sendable, Hashable {
        /// In this process's group and session.
        case inherit
        /// Leading a new process group, so one `killpg` reaches everything it starts.
        case newProcessGroup
        /// Leading a new session (`setsid`) and process group, without a controlling terminal.
        case newSession
    }

    /// The signals a server commonly blocks, handles or ignores, back at their defaults in the program.
    public static let serverSignals: [Int32] = [
        SIGPIPE, SIGXCPU, SIGXFSZ, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2,
    ]

    /// The program's path; it is not looked up along `PATH`.
    public var executable: String
    /// The arguments after argv[0].
    public var arguments: [String]
    /// argv[0]: the executable's path unless set.
    public var argumentZero: String
    /// The complete environment of the program; nil passes this process's own.
    public var environment: [String: String]?
    /// The program's descriptor number → what it is. They are put in place through temporary
    /// numbers above every one involved, so a source that is another's target is not clobbered.
    public var descriptors: [Int32: Descriptor]
    /// Close every other descriptor above standard error and above the highest of `descriptors`,
    /// so nothing of this process (database connections, listening sockets) reaches the program
    /// by accident. Needs glibc 2.34 or later; a no-op otherwise.
    public var closesOtherDescriptors: Bool
    public var defaultSignals: [Int32]
    public var grouping: Grouping

    public init(
        executable: String, arguments: [String] = [], argumentZero: String? = nil, environment: [String: String]? = nil,
        descriptors: [Int32: Descriptor] = [:], closesOtherDescriptors: Bool = false,
        defaultSignals: [Int32] = ProcessSpawner.serverSignals, grouping: Grouping = .inherit
    ) {
        self.executable = executable
        self.arguments = arguments
        self.argumentZero = argumentZero ?? executable
        self.environment = environment
        self.descriptors = descriptors
        self.closesOtherDescriptors = closesOtherDescriptors
        self.defaultSignals = defaultSignals
        self.grouping = grouping
    }

    /// Starts the program and returns its process id; the caller reaps it. Throws when it could
    /// not be started (`ENOENT`, `EACCES`, `ENOEXEC`, `EAGAIN`, …), naming the failed call.
    public func spawn() throws(SystemError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        try SystemError.check("posix_spawn_file_actions_init", posix_spawn_file_actions_init(&actions))
        defer { posix_spawn_file_actions_destroy(&actions) }
        try addFileActions(to: &actions)

        var attributes = posix_spawnattr_t()
        try SystemError.check("posix_spawnattr_init", posix_spawnattr_init(&attributes))
        defer { posix_spawnattr_destroy(&attributes) }
        try setAttributes(&attributes)

        let argv = CStringArray([argumentZero] + arguments)
        let envp = environment.map { environment in
            CStringArray(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        }
        defer {
            argv.release()
            envp?.release()
        }
        var pid: pid_t = 0
        try SystemError.check("posix_spawn", posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp?.pointers ?? environ))
        return pid
    }

    private func addFileActions(to actions: inout posix_spawn_file_actions_t) throws(SystemError) {
        let ordered = descriptors.sorted { $0.key < $1.key }
        let moves = ordered.compactMap { target, descriptor -> (source: Int32, target: Int32)? in
            if case .duplicate(let source) = descriptor { (source, target) } else { nil }
        }
        let highest = (moves.map(\.source) + descriptors.keys).max() ?? STDERR_FILENO
        let staging = max(highest, STDERR_FILENO) + 1
        for (index, move) in moves.enumerated() {
            try SystemError.check(
                "posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, move.source, staging + Int32(index)))
        }
        for (index, move) in moves.enumerated() {
            try SystemError.check(
                "posix_spawn_file_actions_adddup2", posix_spawn_file_actions_adddup2(&actions, staging + Int32(index), move.target))
            try SystemError.check(
                "posix_spawn_file_actions_addclose", posix_spawn_file_actions_addclose(&actions, staging + Int32(index)))
        }
        for case (let target, .open(let path, let flags)) in ordered {
            try SystemError.check(
                "posix_spawn_file_actions_addopen", posix_spawn_file_actions_addopen(&actions, target, path, flags, 0))
        }
        if closesOtherDescriptors, let closeFrom = GlibcExtras.addCloseFrom {
            let lowest = max(descriptors.keys.max() ?? STDERR_FILENO, STDERR_FILENO) + 1
            try SystemError.check("posix_spawn_file_actions_addclosefrom_np", closeFrom(&actions, lowest))
        }
    }

    private func setAttributes(_ attributes: inout posix_spawnattr_t) throws(SystemError) {
        var mask = sigset_t()
        sigemptyset(&mask)
        try SystemError.check("posix_spawnattr_setsigmask", posix_spawnattr_setsigmask(&attributes, &mask))
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in defaultSignals { sigaddset(&defaults, signal) }
        try SystemError.check("posix_spawnattr_setsigdefault", posix_spawnattr_setsigdefault(&attributes, &defaults))

        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        switch grouping {
        case .inherit:
            break
        case .newProcessGroup:
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            try SystemError.check("posix_spawnattr_setpgroup", posix_spawnattr_setpgroup(&attributes, 0))
        case .newSession:
            flags |= GlibcExtras.spawnSetSID
        }
        try SystemError.check("posix_spawnattr_setflags", posix_spawnattr_setflags(&attributes, Int16(flags)))
    }
}
