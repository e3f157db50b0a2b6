/// Decides whether bytes are text and decodes them: UTF-8 when valid, else a single-byte Western
/// encoding. Shared by the sniffer (strict: control characters mean "not text") and the extractors
/// (lenient: control characters are dropped).
enum TextDecoding {
    enum Encoding: String, Sendable {
        case utf8 = "utf-8"
        /// ISO 8859-1: every byte is the code point of the same value.
        case latin1 = "latin-1"
        /// Latin-1 plus the printable characters Windows puts in 0x80–0x9F (€, curly quotes, dashes),
        /// which is what files called "Latin-1" usually are.
        case windows1252 = "windows-1252"
    }

    /// The encoding `bytes` read as text in, or nil when they are not text: invalid UTF-8 that has
    /// control characters other than tab, line feed, form feed and carriage return (or DEL, or a byte
    /// Windows-1252 leaves undefined). Valid UTF-8 with such control characters is not text either.
    static func detect(_ bytes: ArraySlice<UInt8>) -> Encoding? {
        let body = withoutBOM(bytes)
        if String(validating: body, as: UTF8.self) != nil {
            return body.contains(where: isForbiddenControl) ? nil : .utf8
        }
        var highControl = false
        for byte in body {
            if isForbiddenControl(byte) || undefinedIn1252.contains(byte) { return nil }
            if byte >= 0x80 && byte <= 0x9F { highControl = true }
        }
        return highControl ? .windows1252 : .latin1
    }

    /// Decodes `bytes` whatever they hold: UTF-8 when valid, else Windows-1252/Latin-1. Line endings
    /// become `\n`; control characters other than tab, line feed and form feed are dropped.
    static func decode(_ bytes: ArraySlice<UInt8>) -> (text: String, encoding: Encoding) {
        let body = withoutBOM(bytes)
        var scalars = String.UnicodeScalarView()
        let encoding: Encoding
        if let text = String(validating: body, as: UTF8.self) {
            encoding = .utf8
            scalars.append(contentsOf: text.unicodeScalars)
        } else {
            encoding = body.contains(where: { $0 >= 0x80 && $0 <= 0x9F }) ? .windows1252 : .latin1
            for byte in body {
                if byte >= 0x80 && byte <= 0x9F {
                    if let scalar = windows1252High[Int(byte - 0x80)] { scalars.append(scalar) }
                } else {
                    scalars.append(Unicode.Scalar(byte))
                }
            }
        }
        return (normalizeControls(scalars), encoding)
    }

    /// Line endings to `\n`; drops C0 controls other than `\t`, `\n`, `\f`, and DEL.
    static func normalizeControls(_ scalars: String.UnicodeScalarView) -> String {
        var result = String.UnicodeScalarView()
        result.reserveCapacity(scalars.count)
        var previousWasCR = false
        for scalar in scalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar {
            case "\r": result.append("\n")
            case "\n": if !previousWasCR { result.append("\n") }
            case "\t", "\u{0C}": result.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
            default: result.append(scalar)
            }
        }
        return String(result)
    }

    static func withoutBOM(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes
    }

    private static func isForbiddenControl(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09, 0x0A, 0x0C, 0x0D: false
        case 0x00..<0x20, 0x7F: true
        default: false
        }
    }

    private static let undefinedIn1252: Set<UInt8> = [0x81, 0x8D, 0x8F, 0x90, 0x9D]

    /// Windows-1252 0x80–0x9F; nil where the code page defines nothing.
    private static let windows1252High: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]
}
