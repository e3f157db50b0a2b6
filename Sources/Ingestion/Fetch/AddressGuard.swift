import Foundation

/// Which addresses a URL fetch may connect to.
///
/// Everything that is not a public unicast address on the internet is forbidden, so a URL
/// submitted by a user cannot reach the server itself, the private network around it, or a
/// cloud metadata service. The operator can allow ranges back with `FetchPolicy.allow`.
public enum AddressGuard {
    /// Loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), CGNAT 100.64/10, multicast, unspecified (0.0.0.0/8, ::),
    /// broadcast, reserved (240/4), documentation/benchmark ranges, cloud metadata (169.254.169.254, fd00:ec2::254, 100.100.100.200), IPv6 ULA fc00::/7,
    /// site-local fec0::/10, IPv4-mapped ::ffff:0:0/96 and IPv4-compatible/NAT64 (64:ff9b::/96) judged by the embedded IPv4, 6to4 2002::/16 by its embedded v4.
    ///
    /// IPv6 outside the global unicast block 2000::/3 is forbidden as a whole, as are the
    /// IETF protocol block 2001::/23 (Teredo, benchmarking, ORCHID) and the documentation
    /// blocks 2001:db8::/32 and 3fff::/20.
    public static func isForbidden(_ address: IPAddress) -> Bool {
        reason(address) != nil
    }

    /// Why `address` is forbidden (`"loopback"`, `"private"`, …), or nil when it is a public
    /// address. For logs and tests; error messages never say it.
    public static func reason(_ address: IPAddress) -> String? {
        switch address.family {
        case .v4:
            return v4Ranges.first { $0.network.contains(address) }?.reason
        case .v6:
            return v6Reason(address)
        }
    }

    /// A URL host as browsers/inet_aton read it: decimal (2130706433), octal (0177.0.0.1), hex (0x7f.1), short forms (127.1), bracketed IPv6; nil for a DNS name.
    ///
    /// The host is read the way the WHATWG URL standard reads it: percent-decoded,
    /// compatibility-normalized (full-width digits and dots), lowercased, one trailing dot
    /// dropped; a bracketed (or bare) IPv6 address may carry a zone (`%25eth0`), which is ignored.
    public static func literalAddress(host: String) -> IPAddress? {
        var text = host.trimmingSpaces()
        if text.hasPrefix("["), text.hasSuffix("]") {
            text = String(text.dropFirst().dropLast())
            return ipv6WithoutZone(text)
        }
        if text.contains(":") { return ipv6WithoutZone(text) }
        text = normalizedHost(text)
        if text.contains(":") { return ipv6WithoutZone(text) }
        return inetAton(text).map(IPAddress.init(v4:))
    }

    /// Whether a host that is no address still ends in a number (`1.2.3.999`, `0x7g.1` is
    /// not, `08.0.0.1` is): browsers refuse such a host instead of looking it up, and so do we.
    static func looksNumeric(host: String) -> Bool {
        var text = normalizedHost(host)
        if text.hasSuffix(".") { text.removeLast() }
        guard let last = text.split(separator: ".", omittingEmptySubsequences: false).last,
            !last.isEmpty
        else { return false }
        let bytes = Array(last.utf8)
        if bytes.allSatisfy(IPAddress.isDigit) { return true }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") {
            return bytes.dropFirst(2).allSatisfy(IPAddress.isHexDigit)
        }
        return false
    }

    // MARK: - Host spellings

    private static func ipv6WithoutZone(_ text: String) -> IPAddress? {
        var text = text
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
        guard let address = IPAddress(text), address.family == .v6 else { return nil }
        return address
    }

    /// Percent-decoded, NFKC-normalized (so `１２７．０．０．１` reads as digits and dots, as
    /// IDNA mapping would), ideographic full stops as dots, lowercased, one trailing dot dropped.
    private static func normalizedHost(_ host: String) -> String {
        var text = host.removingPercentEncoding ?? host
        if !text.allSatisfy(\.isASCII) {
            text = text.precomposedStringWithCompatibilityMapping
            for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] {
                text = text.replacingOccurrences(of: dot, with: ".")
            }
        }
        text = text.lowercased()
        if text.hasSuffix("."), text.count > 1 { text.removeLast() }
        return text
    }

    /// inet_aton(3) / the WHATWG IPv4 parser: 1 to 4 parts, each decimal, octal (leading 0) or
    /// hex (0x); the last part fills the remaining bytes (`127.1` is 127.0.0.1).
    static func inetAton(_ text: String) -> UInt32? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let number = number(Array(part)) else { return nil }
            numbers.append(number)
        }
        var value: UInt64 = 0
        for number in numbers.dropLast() {
            guard number <= 255 else { return nil }
            value = value << 8 | number
        }
        let lastBits = UInt64(8 * (5 - parts.count))
        guard let last = numbers.last, last < (1 << lastBits) else { return nil }
        return UInt32(truncatingIfNeeded: value << lastBits | last)
    }

    private static func number(_ part: [UInt8]) -> UInt64? {
        guard !part.isEmpty else { return nil }
        var digits = part[...]
        var radix: UInt64 = 10
        if digits.count >= 2, digits[0] == UInt8(ascii: "0"), digits[1] | 0x20 == UInt8(ascii: "x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count >= 2, digits[0] == UInt8(ascii: "0") {
            radix = 8
            digits = digits.dropFirst()
        }
        var value: UInt64 = 0
        for byte in digits {
            guard IPAddress.isHexDigit(byte) else { return nil }
            let digit = UInt64(IPAddress.hexValue(byte))
            guard digit < radix else { return nil }
            value = value * radix + digit
            // Anything past 32 bits is out of range already; stop before overflowing.
            guard value <= UInt64(UInt32.max) else { return nil }
        }
        return value
    }

    // MARK: - Tables

    private static func ranges(_ list: [(String, String)]) -> [(network: IPNetwork, reason: String)] {
        list.map { (IPNetwork(cidr: $0.0)!, $0.1) }
    }

    /// Narrow entries come before the blocks that contain them, so the reason is the precise one.
    private static let v4Ranges = ranges([
        ("169.254.169.254/32", "cloud metadata"),
        ("100.100.100.200/32", "cloud metadata"),
        ("168.63.129.16/32", "cloud metadata"),  // Azure WireServer: a public address served only inside Azure
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared address space (CGNAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    ])

    private static let v6Ranges = ranges([
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fd00:ec2::254/128", "cloud metadata"),
        ("fc00::/7", "unique local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "IETF protocol assignments"),
        ("3fff::/20", "documentation"),
    ])

    private static let mapped = IPNetwork(cidr: "::ffff:0:0/96")!
    private static let compatible = IPNetwork(cidr: "::/96")!
    private static let nat64 = IPNetwork(cidr: "64:ff9b::/96")!
    private static let sixToFour = IPNetwork(cidr: "2002::/16")!
    private static let globalUnicast = IPNetwork(cidr: "2000::/3")!

    private static func v6Reason(_ address: IPAddress) -> String? {
        if let ranged = v6Ranges.first(where: { $0.network.contains(address) }) { return ranged.reason }
        // Forms that carry an IPv4 address are as dangerous as that address.
        if mapped.contains(address) || compatible.contains(address) || nat64.contains(address) {
            return reason(IPAddress(v4: UInt32(truncatingIfNeeded: address.low)))
        }
        if sixToFour.contains(address) {
            return reason(IPAddress(v4: UInt32(truncatingIfNeeded: address.high >> 16)))
        }
        return globalUnicast.contains(address) ? nil : "reserved"
    }
}
