/// The enrichers' word and sentence handling, for code outside ingestion that must read text the
/// same way retrieval does (e.g. judging whether a chunk answers a question).
public enum TextAnalysis {
    /// The content words of `text`, lowercased and without accents, stop words, numbers or single
    /// letters, in order.
    public static func terms(_ text: String) -> [String] {
        EnrichmentText.contentWords(text).map { EnrichmentText.fold($0.text) }
    }

    /// The sentences of `text`, in order, each with its whitespace collapsed.
    public static func sentences(_ text: String) -> [String] {
        let characters = Array(text)
        return SentenceSegmenter.paragraphs(in: characters).flatMap { paragraph in
            SentenceSegmenter.sentences(in: characters, range: paragraph).map {
                EnrichmentText.collapsingWhitespace(String(characters[$0]))
            }
        }
    }
}
