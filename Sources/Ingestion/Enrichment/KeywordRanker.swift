import Foundation

/// Ranks a text's content words and recurring two-word phrases.
///
/// Words are lowercased with accents kept; stop words of Portuguese, English and Spanish,
/// digit-only words and single letters are dropped. A phrase is two content words adjacent in
/// the text (no stop word or punctuation between them) and counts only when it occurs at least
/// twice. Each candidate scores `frequency × ln(1 + length in characters)`, so a long, specific
/// term outranks a short one seen as often. Ties go to the term seen first.
struct KeywordRanker: Sendable {
    func keywords(_ text: String, limit: Int) -> [String] {
        guard limit > 0 else { return [] }
        var counts: [String: Int] = [:]
        var firstSeen: [String: Int] = [:]
        var phraseCounts: [String: Int] = [:]
        var position = 0
        var previous: String?

        for word in EnrichmentText.words(text) {
            position += 1
            guard EnrichmentText.isContentWord(word) else {
                previous = nil
                continue
            }
            counts[word.text, default: 0] += 1
            if firstSeen[word.text] == nil { firstSeen[word.text] = position }
            if let first = previous, !word.followsBreak {
                let phrase = first + " " + word.text
                phraseCounts[phrase, default: 0] += 1
                if firstSeen[phrase] == nil { firstSeen[phrase] = position - 1 }
            }
            previous = word.text
        }
        for (phrase, count) in phraseCounts where count >= 2 {
            counts[phrase] = count
        }

        let scored = counts.map { term, count in
            (term: term, score: Double(count) * log(1 + Double(term.count)), first: firstSeen[term] ?? 0)
        }
        return scored.sorted {
            if $0.score != $1.score { return $0.score > $1.score }
            if $0.first != $1.first { return $0.first < $1.first }
            return $0.term < $1.term
        }.prefix(limit).map(\.term)
    }
}
