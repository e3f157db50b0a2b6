#if canImport(Glibc)
    import Glibc
#endif

/// Why a limiter table could not be created or attached: what was wrong and, for a failed
/// pthread or mmap call, the call and its errno.
public struct RateLimiterError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The capacity is zero, negative or absurdly large.
        case invalidCapacity
        /// The memory is smaller than `RateLimiter.segmentSize(capacity:)`.
        case segmentTooSmall
        /// The memory is not 8-byte aligned.
        case misaligned
        /// The memory holds no table (wrong magic): not created yet, or the wrong segment.
        case notATable
        /// The table was laid out by a different version of this code.
        case incompatibleLayout
        /// A system call failed; `call` and `errno` say which and why.
        case systemCall
    }

    public let code: Code
    public let message: String
    /// The failed call, for `.systemCall`.
    public let call: String?
    /// The error number, for `.systemCall`; 0 otherwise.
    public let errno: Int32

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        call = nil
        errno = 0
    }

    init(systemCall call: String, errno: Int32) {
        code = .systemCall
        message = String(cString: strerror(errno))
        self.call = call
        self.errno = errno
    }

    public var description: String {
        if let call {
            return "rate limiter: \(call): \(message) (errno \(errno))"
        }
        return "rate limiter: \(code): \(message)"
    }
}
