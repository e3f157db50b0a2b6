/// The enrichers' sentence handling, for code outside ingestion that must read text the same way
/// (e.g. choosing the sentences of a chunk that answer a question). Words: `LexicalAnalyzer`.
public enum TextAnalysis {
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
