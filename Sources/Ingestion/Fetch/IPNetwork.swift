/// A CIDR block (`10.0.0.0/8`, `::1/128`), as the operator allowlist and the guard's tables use.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let address: IPAddress
    public let prefixLength: Int

    /// `address/prefix`, or a bare address for a single host. Host bits are cleared, so
    /// `127.0.0.1/8` is `127.0.0.0/8`. Brackets around an IPv6 address are accepted.
    public init?(cidr: String) {
        let text = cidr.trimmingSpaces()
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        var addressText = String(parts[0])
        if addressText.hasPrefix("["), addressText.hasSuffix("]") {
            addressText = String(addressText.dropFirst().dropLast())
        }
        guard let address = IPAddress(addressText) else { return nil }
        let bits = address.family == .v4 ? 32 : 128
        var prefix = bits
        if parts.count == 2 {
            guard let digits = Int(parts[1]), !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII),
                (0...bits).contains(digits)
            else { return nil }
            prefix = digits
        }
        self.init(address, prefixLength: prefix)
    }

    init(_ address: IPAddress, prefixLength: Int) {
        self.prefixLength = prefixLength
        switch address.family {
        case .v4:
            let mask = prefixLength == 0 ? 0 : UInt64(UInt32.max << (32 - prefixLength))
            self.address = IPAddress(v4: UInt32(truncatingIfNeeded: address.low & mask))
        case .v6:
            let (highMask, lowMask) = Self.v6Mask(prefixLength)
            self.address = IPAddress(v6: address.high & highMask, address.low & lowMask)
        }
    }

    /// Whether `address` lies in the block. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`)
    /// is judged as the IPv4 address it reaches; otherwise the families must match.
    public func contains(_ address: IPAddress) -> Bool {
        switch (self.address.family, address.family) {
        case (.v4, .v4):
            let mask = prefixLength == 0 ? 0 : UInt64(UInt32.max << (32 - prefixLength))
            return address.low & mask == self.address.low
        case (.v4, .v6):
            return address.ipv4Mapped.map(contains) ?? false
        case (.v6, .v6):
            let (highMask, lowMask) = Self.v6Mask(prefixLength)
            return address.high & highMask == self.address.high && address.low & lowMask == self.address.low
        case (.v6, .v4):
            return false
        }
    }

    public var description: String { "\(address)/\(prefixLength)" }

    static func v6Mask(_ prefix: Int) -> (UInt64, UInt64) {
        let high: UInt64 = prefix >= 64 ? .max : (prefix == 0 ? 0 : .max << (64 - prefix))
        let low: UInt64 = prefix <= 64 ? 0 : (prefix == 128 ? .max : .max << (128 - prefix))
        return (high, low)
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
