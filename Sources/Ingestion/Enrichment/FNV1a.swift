/// The 64-bit FNV-1a hash, with a final bit mixer.
///
/// Unlike Swift's `Hasher`, which is seeded per process, it gives the same value for the same
/// bytes in every process and on every run, which stored vectors depend on.
struct FNV1a {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var value: UInt64 = FNV1a.offsetBasis

    @inline(__always)
    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    /// Adds a scalar as its UTF-8 bytes, so a hashed word equals the hash of its UTF-8 text.
    @inline(__always)
    mutating func add(_ scalar: Unicode.Scalar) {
        let code = scalar.value
        switch code {
        case 0..<0x80:
            add(UInt8(code))
        case 0x80..<0x800:
            add(UInt8(0xC0 | (code >> 6)))
            add(UInt8(0x80 | (code & 0x3F)))
        case 0x800..<0x10000:
            add(UInt8(0xE0 | (code >> 12)))
            add(UInt8(0x80 | ((code >> 6) & 0x3F)))
            add(UInt8(0x80 | (code & 0x3F)))
        default:
            add(UInt8(0xF0 | (code >> 18)))
            add(UInt8(0x80 | ((code >> 12) & 0x3F)))
            add(UInt8(0x80 | ((code >> 6) & 0x3F)))
            add(UInt8(0x80 | (code & 0x3F)))
        }
    }

    static func hash(_ text: String) -> UInt64 {
        var hasher = FNV1a()
        for byte in text.utf8 { hasher.add(byte) }
        return hasher.value
    }

    static func hash(_ scalars: [Unicode.Scalar]) -> UInt64 {
        var hasher = FNV1a()
        for scalar in scalars { hasher.add(scalar) }
        return hasher.value
    }

    static func hash(_ scalars: some Sequence<Unicode.Scalar>) -> UInt64 {
        var hasher = FNV1a()
        for scalar in scalars { hasher.add(scalar) }
        return hasher.value
    }

    /// The splitmix64 finalizer: spreads every input bit over the output, so bucket (low bits)
    /// and sign (high bit) are independent.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
