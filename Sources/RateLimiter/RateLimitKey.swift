#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a limit applies to (an organization), as two 64-bit halves so that it fits a fixed-size
/// shared-memory slot and compares without allocating.
public struct RateLimitKey: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The UUID's 16 bytes in order: bytes 0–7 big-endian in `high`, bytes 8–15 in `low`.
    public init(uuid: UUID) {
        let b = uuid.uuid
        high =
            UInt64(b.0) << 56 | UInt64(b.1) << 48 | UInt64(b.2) << 40 | UInt64(b.3) << 32
            | UInt64(b.4) << 24 | UInt64(b.5) << 16 | UInt64(b.6) << 8 | UInt64(b.7)
        low =
            UInt64(b.8) << 56 | UInt64(b.9) << 48 | UInt64(b.10) << 40 | UInt64(b.11) << 32
            | UInt64(b.12) << 24 | UInt64(b.13) << 16 | UInt64(b.14) << 8 | UInt64(b.15)
    }

    /// The UUID the key was made from.
    public var uuid: UUID {
        let h = high
        let l = low
        return UUID(
            uuid: (
                UInt8(truncatingIfNeeded: h >> 56), UInt8(truncatingIfNeeded: h >> 48),
                UInt8(truncatingIfNeeded: h >> 40), UInt8(truncatingIfNeeded: h >> 32),
                UInt8(truncatingIfNeeded: h >> 24), UInt8(truncatingIfNeeded: h >> 16),
                UInt8(truncatingIfNeeded: h >> 8), UInt8(truncatingIfNeeded: h),
                UInt8(truncatingIfNeeded: l >> 56), UInt8(truncatingIfNeeded: l >> 48),
                UInt8(truncatingIfNeeded: l >> 40), UInt8(truncatingIfNeeded: l >> 32),
                UInt8(truncatingIfNeeded: l >> 24), UInt8(truncatingIfNeeded: l >> 16),
                UInt8(truncatingIfNeeded: l >> 8), UInt8(truncatingIfNeeded: l)
            ))
    }

    /// The key as the UUID it was made from, for logs (for example an evicted organization).
    public var description: String {
        uuid.uuidString.lowercased()
    }
}
