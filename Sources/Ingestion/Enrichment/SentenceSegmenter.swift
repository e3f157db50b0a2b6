/// Finds paragraphs and sentences in text held as an array of characters, so that every
/// position is a character offset into the source.
///
/// A paragraph ends at a blank line. A sentence ends after `.`, `!`, `?` or `…` (runs such as
/// `?!` or `...` count as one end, closing quotes and brackets stay with the sentence) when
/// whitespace or the end of the paragraph follows — except after an abbreviation ("e.g.",
/// "Sr.", "Dr.", "pág."), an initial ("J. Smith"), a word with inner dots ("U.S.") or a list
/// number at the start of a line ("1. First"). Ranges exclude surrounding whitespace.
enum SentenceSegmenter {
    /// Abbreviations of Portuguese, English and Spanish after which a period does not end a
    /// sentence, lowercase and without their final period.
    static let abbreviations: Set<String> = [
        // English
        "mr", "mrs", "ms", "dr", "drs", "prof", "profs", "sr", "jr", "st", "mt", "vs", "cf", "fig",
        "figs", "approx", "dept", "inc", "ltd", "co", "corp", "ed", "eds", "vol", "vols",
        "p", "pp", "gen", "col", "lt", "capt", "sgt", "gov", "rev", "hon",
        "e.g", "i.e", "a.m", "p.m", "u.s", "u.k", "ph.d",
        // Portuguese
        "sra", "srs", "sras", "srta", "dra", "dras", "profa", "exmo", "exma", "sto", "sta", "av",
        "pág", "págs", "pag", "obs", "tel", "núm", "nº", "ltda", "cia", "séc", "exa", "aprox",
        // Spanish
        "ud", "uds", "vd", "vds", "lic", "ing", "arq", "avda", "dña", "sres", "atte", "depto",
        "admón", "pza", "gral", "núms", "op", "cit",
    ]

    /// Paragraph ranges, separated by blank lines and trimmed of whitespace.
    static func paragraphs(in characters: [Character]) -> [Range<Int>] {
        var paragraphs: [Range<Int>] = []
        var start: Int?
        var lastNonSpace = 0
        var lineIsBlank = true
        for index in characters.indices {
            let character = characters[index]
            if character.isNewline {
                if lineIsBlank, let paragraphStart = start {
                    paragraphs.append(paragraphStart..<lastNonSpace + 1)
                    start = nil
                }
                lineIsBlank = true
            } else if !character.isWhitespace {
                if start == nil { start = index }
                lastNonSpace = index
                lineIsBlank = false
            }
        }
        if let paragraphStart = start {
            paragraphs.append(paragraphStart..<lastNonSpace + 1)
        }
        return paragraphs
    }

    /// Sentence ranges inside `range`, trimmed of whitespace.
    static func sentences(in characters: [Character], range: Range<Int>) -> [Range<Int>] {
        var sentences: [Range<Int>] = []
        let end = range.upperBound
        var start = skipSpace(characters, from: range.lowerBound, to: end)
        var index = start
        while index < end {
            guard isTerminator(characters[index]) else {
                index += 1
                continue
            }
            var after = index
            while after < end, isTerminator(characters[after]) { after += 1 }
            let isLonePeriod = characters[index] == "." && after == index + 1
            while after < end, isCloser(characters[after]) { after += 1 }
            if after == end || characters[after].isWhitespace,
                !(isLonePeriod && isAbbreviation(characters, periodAt: index, from: range.lowerBound))
            {
                sentences.append(start..<after)
                start = skipSpace(characters, from: after, to: end)
                index = start
            } else {
                index = after
            }
        }
        if start < end {
            var last = end
            while last > start, characters[last - 1].isWhitespace { last -= 1 }
            if last > start { sentences.append(start..<last) }
        }
        return sentences
    }

    static func isTerminator(_ character: Character) -> Bool {
        character == "." || character == "!" || character == "?" || character == "…"
    }

    static func isCloser(_ character: Character) -> Bool {
        switch character {
        case "\"", "'", "”", "’", ")", "]", "}", "»": return true
        default: return false
        }
    }

    /// True when the word right before the period at `period` is an abbreviation, an initial,
    /// a dotted acronym, or a list number opening its line.
    static func isAbbreviation(_ characters: [Character], periodAt period: Int, from lowerBound: Int) -> Bool {
        var wordStart = period
        while wordStart > lowerBound,
            characters[wordStart - 1].isLetter || characters[wordStart - 1].isNumber
                || characters[wordStart - 1] == "." || characters[wordStart - 1] == "º"
        {
            wordStart -= 1
        }
        guard wordStart < period else { return false }
        let word = String(characters[wordStart..<period])
        if word.count == 1, let letter = word.first, letter.isUppercase {
            return true
        }
        let lower = word.lowercased()
        if abbreviations.contains(lower) { return true }
        if lower.contains("."), !lower.hasPrefix("."), !lower.hasSuffix(".") { return true }
        if word.allSatisfy(\.isNumber) {
            var before = wordStart
            while before > lowerBound, characters[before - 1].isWhitespace, !characters[before - 1].isNewline {
                before -= 1
            }
            return before == lowerBound || characters[before - 1].isNewline
        }
        return false
    }

    private static func skipSpace(_ characters: [Character], from index: Int, to end: Int) -> Int {
        var index = index
        while index < end, characters[index].isWhitespace { index += 1 }
        return index
    }
}
