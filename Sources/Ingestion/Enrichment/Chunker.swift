/// Splits text into overlapping chunks along its natural boundaries.
///
/// The text is cut into units — sentences; the lines, then the words, of a sentence longer than
/// `targetCharacters`; and, only for a "word" longer than `targetCharacters` (a URL, an encoded
/// blob) that has no boundary to honour, pieces of exactly `targetCharacters`. Units are packed
/// greedily in order; a paragraph that fits in one chunk is never split across chunks. Each
/// chunk after the first starts with the trailing units of the previous chunk, as many as fit
/// in `overlapCharacters`, so a passage cut at a boundary keeps its context.
///
/// Guarantees, for `targetCharacters ≥ 1`:
/// - every chunk has at most `targetCharacters` characters (a strict bound, not "one sentence
///   more"), and is a verbatim slice of the source starting at `startOffset`;
/// - chunk boundaries fall on unit boundaries, so no word is cut except one longer than the
///   whole target;
/// - consecutive chunks overlap by at most `overlapCharacters` characters, never by a whole
///   chunk, and every chunk adds text that the previous one did not have;
/// - every non-whitespace character of the source is in some chunk.
public struct Chunker: Sendable {
    /// The most characters in a chunk. Default 1200 (about 300 tokens).
    public var targetCharacters: Int
    /// The most characters a chunk repeats from the end of the previous one. Default 200.
    public var overlapCharacters: Int

    public init(targetCharacters: Int = 1200, overlapCharacters: Int = 200) {
        self.targetCharacters = targetCharacters
        self.overlapCharacters = overlapCharacters
    }

    /// The chunks of `text`, in order; `[]` for empty or whitespace-only text.
    public func chunks(_ text: String) -> [Chunk] {
        let characters = Array(text)
        let target = max(1, targetCharacters)
        let overlap = max(0, overlapCharacters)

        // Units in order, and groups of units that must stay together (whole paragraphs that
        // fit, or single units of paragraphs that do not).
        var units: [Range<Int>] = []
        var groups: [Range<Int>] = []
        for paragraph in SentenceSegmenter.paragraphs(in: characters) {
            let first = units.count
            for sentence in SentenceSegmenter.sentences(in: characters, range: paragraph) {
                appendUnits(of: sentence, in: characters, target: target, to: &units)
            }
            if paragraph.count <= target {
                groups.append(first..<units.count)
            } else {
                groups.append(contentsOf: (first..<units.count).map { $0..<$0 + 1 })
            }
        }

        func span(_ first: Int, through last: Int) -> Int {
            units[last].upperBound - units[first].lowerBound
        }

        var chunkRanges: [Range<Int>] = []  // ranges of unit indices
        var open: Range<Int>?
        for group in groups {
            if let current = open, span(current.lowerBound, through: group.upperBound - 1) <= target {
                open = current.lowerBound..<group.upperBound
                continue
            }
            if let current = open { chunkRanges.append(current) }
            var start = group.lowerBound
            if let previous = chunkRanges.last {
                // Walk back over the previous chunk's trailing units while they fit both the
                // overlap and, together with the new group, the target; never take all of it.
                var candidate = previous.upperBound - 1
                while candidate > previous.lowerBound,
                    span(candidate, through: previous.upperBound - 1) <= overlap,
                    span(candidate, through: group.upperBound - 1) <= target
                {
                    start = candidate
                    candidate -= 1
                }
            }
            open = start..<group.upperBound
        }
        if let current = open { chunkRanges.append(current) }

        return chunkRanges.enumerated().map { index, range in
            let lower = units[range.lowerBound].lowerBound
            let upper = units[range.upperBound - 1].upperBound
            return Chunk(index: index, text: String(characters[lower..<upper]), startOffset: lower)
        }
    }

    /// A sentence is one unit when it fits; otherwise its lines, and the words of lines that
    /// still do not fit, and fixed pieces of words longer than the target.
    private func appendUnits(
        of sentence: Range<Int>, in characters: [Character], target: Int,
        to units: inout [Range<Int>]
    ) {
        if sentence.count <= target {
            units.append(sentence)
            return
        }
        for line in Self.runs(in: characters, range: sentence, separatedBy: \.isNewline) {
            if line.count <= target {
                units.append(line)
                continue
            }
            for word in Self.runs(in: characters, range: line, separatedBy: \.isWhitespace) {
                var start = word.lowerBound
                while start < word.upperBound {
                    let end = min(start + target, word.upperBound)
                    units.append(start..<end)
                    start = end
                }
            }
        }
    }

    /// Maximal runs of characters not matching `isSeparator`, trimmed of whitespace.
    private static func runs(
        in characters: [Character], range: Range<Int>,
        separatedBy isSeparator: (Character) -> Bool
    ) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var index = range.lowerBound
        while index < range.upperBound {
            while index < range.upperBound, isSeparator(characters[index]) || characters[index].isWhitespace { index += 1 }
            var end = index
            while end < range.upperBound, !isSeparator(characters[end]) { end += 1 }
            var trimmed = end
            while trimmed > index, characters[trimmed - 1].isWhitespace { trimmed -= 1 }
            if trimmed > index { runs.append(index..<trimmed) }
            index = end
        }
        return runs
    }
}
