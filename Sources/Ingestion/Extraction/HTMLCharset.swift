/// Decides the character encoding of an HTML page before parsing, the way browsers do in outline:
/// a byte-order mark, else the charset the server declared, else a `<meta charset>` or
/// `<meta http-equiv="Content-Type">` near the top, else UTF-8 when the bytes are valid UTF-8,
/// else Windows-1252.
enum HTMLCharset {
    /// How far into the page a `<meta>` charset declaration is looked for. Browsers look at 1,024
    /// bytes; pages with long inline scripts in `<head>` put it later, so a little more is read.
    static let prescanBytes = 16_384

    /// The bytes to give libxml2, the encoding to parse them in, and the page's charset (the detected
    /// one, for reporting). UTF-8 and Windows-1252 are decoded here rather than by libxml2, which stops
    /// at the first byte it cannot convert or switches the rest of the page to Latin-1: bytes meant as
    /// UTF-8 are repaired (bad sequences become U+FFFD), and Windows-1252 is converted to UTF-8 with
    /// the code page's undefined bytes dropped.
    static func prepare(_ bytes: [UInt8], declared: String?) -> (bytes: [UInt8], encoding: String, charset: String) {
        let encoding = detect(bytes, declared: declared)
        switch encoding {
        case "UTF-8":
            if String(validating: bytes, as: UTF8.self) != nil { return (bytes, encoding, encoding) }
            return (Array(String(decoding: bytes, as: UTF8.self).utf8), encoding, encoding)
        case "WINDOWS-1252":
            return (Array(TextDecoding.decode(bytes[...]).text.utf8), "UTF-8", encoding)
        default:
            return (bytes, encoding, encoding)
        }
    }

    /// The encoding name to give libxml2 (an iconv name).
    ///
    /// Bytes that are valid UTF-8 and contain multi-byte sequences are read as UTF-8 whatever the
    /// labels say: text in another encoding almost never forms valid UTF-8 by accident, while pages
    /// and servers that mislabel UTF-8 as Latin-1 are common.
    static func detect(_ bytes: [UInt8], declared: String?) -> String {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return "UTF-8" }
        if bytes.starts(with: [0xFF, 0xFE]) { return "UTF-16LE" }
        if bytes.starts(with: [0xFE, 0xFF]) { return "UTF-16BE" }
        let valid = String(validating: bytes, as: UTF8.self) != nil
        if valid && bytes.contains(where: { $0 >= 0x80 }) { return "UTF-8" }
        for label in [declared, metaCharset(bytes[..<min(bytes.count, prescanBytes)])] {
            guard let label, let name = canonical(label) else { continue }
            return name
        }
        return valid ? "UTF-8" : "WINDOWS-1252"
    }

    /// The iconv name for a charset label, or nil when it is unknown or libxml2 cannot decode it.
    /// Labels the web treats as Windows-1252 (Latin-1, ASCII) become Windows-1252, and UTF-16 named
    /// in a page without a byte-order mark is UTF-8, as browsers read them.
    static func canonical(_ label: String) -> String? {
        let name = label.trimmingASCIIWhitespaceAndQuotes().lowercased()
        guard !name.isEmpty, name.count < 40 else { return nil }
        switch name {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "utf-16", "utf-16le", "utf-16be", "unicode":
            return "UTF-8"
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii", "ascii", "ansi_x3.4-1968",
            "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819", "iso-ir-100", "iso_8859-1":
            return "WINDOWS-1252"
        case "x-sjis", "shift-jis", "ms_kanji", "windows-31j", "ms932":
            return supported("SHIFT_JIS")
        case "gb2312", "gbk", "x-gbk", "chinese", "csgb2312":
            return supported("GBK")
        case "tis-620", "iso-8859-11":
            return supported("WINDOWS-874")
        default:
            return supported(name.uppercased())
        }
    }

    private static func supported(_ name: String) -> String? {
        HTMLDocument.supportsEncoding(name) ? name : nil
    }

    /// The charset named by the first `<meta charset=…>` or `<meta http-equiv=content-type content="…charset=…">`
    /// in `bytes`, skipping comments.
    static func metaCharset(_ bytes: ArraySlice<UInt8>) -> String? {
        let lower = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
        var index = 0
        while index < lower.count {
            if lower[index] != UInt8(ascii: "<") {
                index += 1
                continue
            }
            if lower[index...].starts(with: Array("<!--".utf8)) {
                index = find(Array("-->".utf8), in: lower, from: index + 4).map { $0 + 3 } ?? lower.count
                continue
            }
            guard lower[index...].starts(with: Array("<meta".utf8)), index + 5 < lower.count,
                isSpace(lower[index + 5]) || lower[index + 5] == UInt8(ascii: "/")
            else {
                index += 1
                continue
            }
            let end = lower[index...].firstIndex(of: UInt8(ascii: ">")) ?? lower.count
            let attributes = parseAttributes(Array(bytes[(bytes.startIndex + index + 5)..<(bytes.startIndex + end)]))
            if let charset = attributes["charset"], !charset.isEmpty { return charset }
            if attributes["http-equiv"]?.lowercased() == "content-type", let content = attributes["content"],
                let charset = charsetParameter(content)
            {
                return charset
            }
            index = end
        }
        return nil
    }

    /// `charset=xyz` inside a Content-Type value.
    static func charsetParameter(_ contentType: String) -> String? {
        let lower = contentType.lowercased()
        guard let range = lower.range(of: "charset") else { return nil }
        var rest = lower[range.upperBound...].drop(while: { $0 == " " })
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\"" || $0 == "'" })
        let value = rest.prefix(while: { !";\"' ".contains($0) })
        return value.isEmpty ? nil : String(value)
    }

    /// Attributes of a tag's inside (after the name), names lower-cased, values unquoted.
    static func parseAttributes(_ bytes: [UInt8]) -> [String: String] {
        var attributes: [String: String] = [:]
        var index = 0
        func skipSpace() { while index < bytes.count && (isSpace(bytes[index]) || bytes[index] == UInt8(ascii: "/")) { index += 1 } }
        while true {
            skipSpace()
            guard index < bytes.count else { break }
            let nameStart = index
            while index < bytes.count && !isSpace(bytes[index]) && bytes[index] != UInt8(ascii: "=") && bytes[index] != UInt8(ascii: "/") {
                index += 1
            }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).lowercased()
            while index < bytes.count && isSpace(bytes[index]) { index += 1 }
            var value = ""
            if index < bytes.count && bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.count && isSpace(bytes[index]) { index += 1 }
                if index < bytes.count && (bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'")) {
                    let quote = bytes[index]
                    index += 1
                    let start = index
                    while index < bytes.count && bytes[index] != quote { index += 1 }
                    value = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                } else {
                    let start = index
                    while index < bytes.count && !isSpace(bytes[index]) { index += 1 }
                    value = String(decoding: bytes[start..<index], as: UTF8.self)
                }
            }
            if !name.isEmpty && attributes[name] == nil { attributes[name] = value }
        }
        return attributes
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }
}

extension String {
    /// Without surrounding ASCII whitespace and quotes.
    func trimmingASCIIWhitespaceAndQuotes() -> String {
        let unwanted: Set<Character> = [" ", "\t", "\n", "\r", "\u{0C}", "\"", "'"]
        return String(drop(while: { unwanted.contains($0) }).reversed().drop(while: { unwanted.contains($0) }).reversed())
    }
}
