/// Text helpers for HTML extraction: whitespace as a browser renders it, and the element classes
/// (block, inline, never-text) the renderer and the scorer share.
enum HTMLText {
    /// Runs of whitespace (including no-break and other Unicode spaces) become one space; zero-width
    /// characters and soft hyphens disappear; the result is trimmed.
    static func collapse(_ raw: String) -> String {
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in raw.unicodeScalars {
            if isInvisible(scalar) { continue }
            if isSpace(scalar) {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            result.append(scalar)
        }
        return String(result)
    }

    /// Zero-width spaces, word joiners, soft hyphens and the byte-order mark, which render as nothing.
    /// (Zero-width joiners and non-joiners stay: emoji sequences and several scripts need them.)
    @inline(__always)
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0xAD { return false }
        switch scalar.value {
        case 0x00AD, 0x200B, 0x2060, 0xFEFF: return true
        default: return false
        }
    }

    /// White space as HTML renders it: ASCII blanks, and Unicode spaces such as the no-break space.
    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar.value <= 0x20 || scalar.value == 0x7F }
        return scalar.properties.isWhitespace
    }

    static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    /// Elements that start a new block of text when rendered.
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
        "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "#document", "noscript", "listing",
        "plaintext", "xmp", "frameset", "frame", "option", "optgroup", "select", "textarea",
    ]

    static let headingElements: Set<String> = ["h1", "h2", "h3", "h4", "h5", "h6"]

    /// Sentence punctuation, counted as a sign of prose; commas are counted apart.
    static func commaCount(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ((",，、،".unicodeScalars.contains($1)) ? 1 : 0) }
    }
}
