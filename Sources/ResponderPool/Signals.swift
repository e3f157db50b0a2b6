#if canImport(Glibc)
    import Glibc
#endif

/// Signal handling without handlers: the signals the pool cares about stay blocked and are
/// collected synchronously with `sigtimedwait`. Nothing runs in signal context, and no blocking
/// call in libfcgi or Connector/C is ever interrupted by `EINTR`.
public enum Signals {
    /// Termination and control signals: blocked in the master and in every responder.
    public static let controlled: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1]

    static func set(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }

    /// Blocks the controlled signals in this process and ignores `SIGPIPE` (a peer that hung up
    /// surfaces as `EPIPE` on the write instead of killing the process).
    public static func blockControlled() {
        var set = set(controlled)
        sigprocmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits up to `milliseconds` for one controlled signal; `nil` when none arrived.
    public static func wait(milliseconds: Int) -> Int32? {
        var set = set(controlled)
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let signal = sigtimedwait(&set, nil, &timeout)
        return signal > 0 ? signal : nil
    }

    /// Every controlled signal that is pending now, without waiting.
    public static func pending() -> [Int32] {
        var received: [Int32] = []
        while let signal = wait(milliseconds: 0) { received.append(signal) }
        return received
    }
}
