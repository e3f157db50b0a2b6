import Foundation

/// Internationalized host names, turned to the ASCII form DNS knows (`bücher.example` →
/// `xn--bcher-kva.example`).
///
/// libcurl leaves this to libidn2, which reads the host in the process locale and fails in the
/// C locale servers run in, so it is done here. This is the common core of UTS #46
/// processing (compatibility normalization, lowercasing, the four full stops, Punycode per
/// label), not its full mapping table: a name it gets wrong simply does not resolve. Because
/// normalization runs first, full-width digits (`１２７．０．０．１`) come out as the address
/// literal they spell, and the address guard judges them as such.
enum HostName {
    static func toASCII(_ host: String) -> String? {
        if host.allSatisfy(\.isASCII) { return host }
        var text = host.precomposedStringWithCompatibilityMapping.lowercased()
        for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] {
            text = text.replacingOccurrences(of: dot, with: ".")
        }
        var labels: [String] = []
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            if label.allSatisfy(\.isASCII) {
                labels.append(String(label))
                continue
            }
            guard let encoded = Punycode.encode(Array(label.unicodeScalars)) else { return nil }
            labels.append("xn--" + encoded)
        }
        let ascii = labels.joined(separator: ".")
        guard labels.allSatisfy({ $0.utf8.count <= 63 }), ascii.utf8.count <= 253 else { return nil }
        return ascii
    }
}

/// RFC 3492 Punycode, encoding only.
enum Punycode {
    private static let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700

    static func encode(_ input: [Unicode.Scalar]) -> String? {
        var n = 128
        var delta = 0
        var bias = 72
        var output = String(String.UnicodeScalarView(input.filter(\.isASCII)))
        let basicCount = output.unicodeScalars.count
        var handled = basicCount
        if basicCount > 0 { output.append("-") }
        let values = input.map { Int($0.value) }
        while handled < values.count {
            guard let next = values.filter({ $0 >= n }).min() else { return nil }
            let (step, overflow) = (next - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow, delta <= Int(Int32.max) - step else { return nil }
            delta += step
            n = next
            for value in values {
                if value < n { delta += 1 }
                guard value == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                    if q < t { break }
                    output.unicodeScalars.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.unicodeScalars.append(digit(q))
                bias = adapt(delta, handled + 1, handled == basicCount)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return output
    }

    private static func digit(_ value: Int) -> Unicode.Scalar {
        Unicode.Scalar(UInt8(value < 26 ? 97 + value : 22 + value))
    }

    private static func adapt(_ delta: Int, _ points: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
