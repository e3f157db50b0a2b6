#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: its name and errno, so a log says what failed and why.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The call, possibly with what it was called on (`bind /run/companin.sock`).
    public let call: String
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// With the calling thread's errno: make it right after the call failed.
    public init(_ call: String) {
        self.init(call, errno: lastErrno())
    }

    /// The call and the C library's text for the error number: `shm_open: Permission denied`.
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }

    /// Throws unless `result` is 0, for the calls that return the error number instead of setting
    /// errno (the posix_spawn and pthread families).
    public static func check(_ call: @autoclosure () -> String, _ result: Int32) throws(SystemError) {
        if result != 0 { throw SystemError(call(), errno: result) }
    }
}

/// Runs a system call that fails with -1 and errno, again while it fails with `EINTR`; any other
/// failure becomes a `SystemError` naming the call. After swift-nio's `syscall` in `NIOPosix/System.swift`.
@discardableResult
public func systemCall<Result: FixedWidthInteger & SignedInteger>(
    _ name: @autoclosure () -> String, _ body: () -> Result
) throws(SystemError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let error = errno
        if error != EINTR { throw SystemError(name(), errno: error) }
    }
}

/// The calling thread's errno, from outside `SystemError`, whose `errno` property shadows it.
private func lastErrno() -> Int32 { errno }
