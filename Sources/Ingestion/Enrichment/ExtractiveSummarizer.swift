/// Summarizes by picking the text's most representative sentences, verbatim.
///
/// A sentence scores the sum, over its distinct content words (stop words removed), of the
/// word's frequency in the whole text relative to the most frequent word, plus 0.5 per word of
/// the title it contains; the first sentences get a bonus of up to 15%, fading linearly with
/// position. Sentences of fewer than four words (headings, fragments) compete only when there
/// is nothing else. The best sentences that fit in `maximumCharacters` — three, two for texts
/// of four to six sentences, one for shorter ones — are returned in document order, each with
/// its whitespace collapsed, joined by a space.
struct ExtractiveSummarizer: Sendable {
    var maximumCharacters = 600

    func summarize(_ text: String, title: String?) -> String {
        let characters = Array(text)
        var sentences: [String] = []
        for paragraph in SentenceSegmenter.paragraphs(in: characters) {
            for range in SentenceSegmenter.sentences(in: characters, range: paragraph) {
                sentences.append(EnrichmentText.collapsingWhitespace(String(characters[range])))
            }
        }
        guard !sentences.isEmpty else { return "" }

        let words = sentences.map(EnrichmentText.words)
        let contentWords = words.map { $0.filter(EnrichmentText.isContentWord).map(\.text) }
        let sentenceWords = contentWords.map(Set.init)
        var frequency: [String: Int] = [:]
        for sentence in contentWords {
            for word in sentence { frequency[word, default: 0] += 1 }
        }
        let highest = Double(frequency.values.max() ?? 1)
        let titleWords = Set(EnrichmentText.contentWords(title ?? "").map(\.text))

        let count = sentences.count
        let scores: [Double] = sentenceWords.indices.map { index in
            let base = sentenceWords[index].reduce(0.0) { sum, word in
                sum + Double(frequency[word] ?? 0) / highest + (titleWords.contains(word) ? 0.5 : 0)
            }
            return base * (1 + 0.15 * (1 - Double(index) / Double(count)))
        }

        let wanted = count <= 3 ? 1 : (count <= 6 ? 2 : 3)
        var candidates = sentences.indices.filter { words[$0].count >= 4 }
        if candidates.isEmpty { candidates = Array(sentences.indices) }
        candidates.sort { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }

        var chosen: [Int] = []
        var length = 0
        for index in candidates where chosen.count < wanted {
            let added = sentences[index].count + (chosen.isEmpty ? 0 : 1)
            if length + added <= maximumCharacters {
                chosen.append(index)
                length += added
            }
        }
        if chosen.isEmpty, let best = candidates.first {
            return Self.truncate(sentences[best], to: maximumCharacters)
        }
        return chosen.sorted().map { sentences[$0] }.joined(separator: " ")
    }

    /// Cuts at the last space that leaves room for an ellipsis, or hard at the limit.
    static func truncate(_ sentence: String, to limit: Int) -> String {
        guard sentence.count > limit else { return sentence }
        let prefix = sentence.prefix(max(0, limit - 1))
        let cut = prefix.lastIndex(of: " ").map { prefix[..<$0] } ?? prefix
        return cut + "…"
    }
}
