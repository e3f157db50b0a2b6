/// Why a limiter table could not be created or attached: what was wrong with the memory or the
/// capacity. A failed pthread or mmap call throws POSIXSystem's `SystemError` instead.
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
    }

    public let code: Code
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "rate limiter: \(code): \(message)"
    }
}
