#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether other processes of the same user may read this one's `/proc/PID/environ`, `mem` and
/// `maps`, attach to it with ptrace, or get a core dump of it (`PR_SET_DUMPABLE`). Processes that
/// hold the database URL and API secrets in their environment and memory turn it off, so a process
/// of the same uid that was compromised (an extractor outside its sandbox, say) cannot read them.
/// The kernel sets it back at `execve`, so it does not carry over to programs started from here.
public enum ProcessDumpability {
    private static let getDumpable: Int32 = 3  // PR_GET_DUMPABLE
    private static let setDumpable: Int32 = 4  // PR_SET_DUMPABLE

    /// Marks this process non-dumpable. A no-op returning false where `prctl` does not exist (not Linux).
    @discardableResult
    public static func disable() throws(SystemError) -> Bool {
        try set(false)
    }

    /// Turns dumping back on (for tests that turned it off in their own process).
    @discardableResult
    public static func enable() throws(SystemError) -> Bool {
        try set(true)
    }

    /// Whether this process is dumpable now; nil where `prctl` does not exist.
    public static var isDumpable: Bool? {
        guard let prctl = GlibcExtras.prctl else { return nil }
        return prctl(getDumpable, 0, 0, 0, 0) == 1
    }

    private static func set(_ dumpable: Bool) throws(SystemError) -> Bool {
        guard let prctl = GlibcExtras.prctl else { return false }
        try systemCall("prctl PR_SET_DUMPABLE") { prctl(setDumpable, dumpable ? 1 : 0, 0, 0, 0) }
        return true
    }
}
