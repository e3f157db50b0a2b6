import Foundation

/// Word-level text handling shared by the local summarizer, keyword ranker and embedder.
enum EnrichmentText {
    /// A word of the text, lowercased, with accents kept.
    struct Word {
        var text: String
        /// True when punctuation (anything but spaces, hyphens and apostrophes) separates this
        /// word from the previous one; two-word phrases never span such a break.
        var followsBreak: Bool
    }

    /// Lowercases `text` and removes its accents and other diacritics ("Ação" → "acao").
    static func fold(_ text: String) -> String {
        text.lowercased().folding(options: .diacriticInsensitive, locale: nil)
    }

    /// Letters, digits and combining marks make up words; everything else separates them.
    @inline(__always)
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) || (value >= 0x30 && value <= 0x39)
        }
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// True for a word made only of digits ("2024"), which says nothing about a topic.
    static func isNumber(_ word: String) -> Bool {
        !word.isEmpty && word.unicodeScalars.allSatisfy { $0.properties.numericType != nil }
    }

    /// The words of `text` in order, lowercased, accents kept.
    static func words(_ text: String) -> [Word] {
        var words: [Word] = []
        var current = String.UnicodeScalarView()
        var sawBreak = false
        func flush() {
            guard !current.isEmpty else { return }
            words.append(Word(text: String(current).lowercased(), followsBreak: sawBreak))
            current = String.UnicodeScalarView()
            sawBreak = false
        }
        for scalar in text.unicodeScalars {
            if isWordScalar(scalar) {
                current.append(scalar)
                continue
            }
            flush()
            if !(scalar.properties.isWhitespace || scalar == "-" || scalar == "'" || scalar == "\u{2019}") {
                sawBreak = true
            }
        }
        flush()
        return words
    }

    /// The content words of `text`: lowercased, without stop words, digit-only words and single
    /// letters.
    static func contentWords(_ text: String) -> [Word] {
        words(text).filter(isContentWord)
    }

    static func isContentWord(_ word: Word) -> Bool {
        word.text.count > 1 && !isNumber(word.text) && !StopWords.contains(lowercased: word.text)
    }

    /// Collapses every run of whitespace to one space.
    static func collapsingWhitespace(_ text: some StringProtocol) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
