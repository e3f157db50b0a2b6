/// An IPv4 or IPv6 address, held as 128 bits.
///
/// `init?(_:)` reads only the strict literal forms (a dotted quad with no leading zeros, or an
/// IPv6 address without brackets or zone); the lenient spellings a URL host may use (`127.1`,
/// `0x7f.0.0.1`, `2130706433`, `[::1]`) are read by `AddressGuard.literalAddress(host:)`.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case v4, v6
    }

    public let family: Family
    /// Bytes 0..<8 of an IPv6 address; 0 for IPv4.
    let high: UInt64
    /// Bytes 8..<16 of an IPv6 address, or the IPv4 address in the low 32 bits.
    let low: UInt64

    public init(v4 value: UInt32) {
        family = .v4
        high = 0
        low = UInt64(value)
    }

    init(v6 high: UInt64, _ low: UInt64) {
        family = .v6
        self.high = high
        self.low = low
    }

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6.
    public init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        switch bytes.count {
        case 4:
            self.init(v4: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            self.init(
                v6: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
                bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
        default:
            return nil
        }
    }

    /// A dotted quad (`192.168.0.1`) or an IPv6 address (`::1`, `2001:db8::1`,
    /// `::ffff:1.2.3.4`), without brackets, zone or surrounding spaces.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        if let v4 = Self.parseDottedQuad(utf8[...]) {
            self.init(v4: v4)
        } else if let (high, low) = Self.parseIPv6(utf8) {
            self.init(v6: high, low)
        } else {
            return nil
        }
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch family {
        case .v4:
            return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
        case .v6:
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// The IPv4 address as a number, for an IPv4 address.
    public var v4Value: UInt32? {
        family == .v4 ? UInt32(truncatingIfNeeded: low) : nil
    }

    /// For an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), the IPv4 address it stands for: a
    /// dual-stack socket connecting to it reaches that IPv4 address.
    public var ipv4Mapped: IPAddress? {
        guard family == .v6, high == 0, low >> 32 == 0xffff else { return nil }
        return IPAddress(v4: UInt32(truncatingIfNeeded: low))
    }

    /// The dotted quad, or the RFC 5952 form of an IPv6 address (`2001:db8::1`, `::ffff:1.2.3.4`).
    public var description: String {
        switch family {
        case .v4:
            return bytes.map(String.init).joined(separator: ".")
        case .v6:
            if let mapped = ipv4Mapped { return "::ffff:\(mapped)" }
            return Self.compressedIPv6(groups)
        }
    }

    /// The eight 16-bit groups of an IPv6 address.
    var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * $0)) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * $0)) }
    }

    // MARK: - Parsing

    /// Four decimal parts 0–255, no leading zeros (so `010.0.0.1` is not silently read as 10
    /// or as octal 8).
    static func parseDottedQuad(_ text: ArraySlice<UInt8>) -> UInt32? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit),
                part.count == 1 || part.first != UInt8(ascii: "0")
            else { return nil }
            let number = part.reduce(0) { $0 * 10 + UInt32($1 - UInt8(ascii: "0")) }
            guard number <= 255 else { return nil }
            value = value << 8 | number
        }
        return value
    }

    /// RFC 4291 text: eight groups of 1–4 hex digits, at most one `::` standing for one or more
    /// zero groups, and optionally a dotted quad as the last 32 bits.
    static func parseIPv6(_ text: [UInt8]) -> (UInt64, UInt64)? {
        guard text.count >= 2, text.count <= 45, text.contains(UInt8(ascii: ":")) else { return nil }
        let colon = UInt8(ascii: ":")
        var head = text[...]
        var tail: ArraySlice<UInt8>? = nil
        if let gap = (0..<text.count - 1).first(where: { text[$0] == colon && text[$0 + 1] == colon }) {
            head = text[..<gap]
            // A second "::" (or ":::") leaves an empty group on one side, refused below.
            tail = text[(gap + 2)...]
        }
        func groups(_ part: ArraySlice<UInt8>, allowsDottedTail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: colon, omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowsDottedTail, piece.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseDottedQuad(piece) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(isHexDigit) else { return nil }
                result.append(piece.reduce(0) { $0 << 4 | UInt16(hexValue($1)) })
            }
            return result
        }
        let all: [UInt16]
        if let tail {
            guard let front = groups(head, allowsDottedTail: false),
                let back = groups(tail, allowsDottedTail: true),
                front.count + back.count <= 7
            else { return nil }
            all = front + Array(repeating: 0, count: 8 - front.count - back.count) + back
        } else {
            guard let every = groups(head, allowsDottedTail: true), every.count == 8 else { return nil }
            all = every
        }
        let high = all[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = all[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    /// RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups
    /// (the first of equals) written as `::`.
    static func compressedIPv6(_ groups: [UInt16]) -> String {
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < groups.count, groups[end] == 0 { end += 1 }
            if end - index > bestLength, end - index >= 2 {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        return hex[..<bestStart].joined(separator: ":") + "::" + hex[(bestStart + bestLength)...].joined(separator: ":")
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
    }

    static func hexValue(_ byte: UInt8) -> UInt8 {
        isDigit(byte) ? byte - UInt8(ascii: "0") : (byte | 0x20) - UInt8(ascii: "a") + 10
    }
}
