/// The default enricher: deterministic, offline and in-process, with no model to download.
///
/// - Summaries are extractive: the two or three most representative sentences of the text,
///   verbatim, in document order, at most 600 characters (`ExtractiveSummarizer`).
/// - Keywords are content words and recurring two-word phrases ranked by frequency and length,
///   with Portuguese, English and Spanish stop words removed (`KeywordRanker`).
/// - Embeddings are 384-dimensional feature-hashing vectors of words, word pairs and character
///   trigrams, accent- and case-insensitive and L2-normalized (`HashingEmbedder`), recorded as
///   model "companin-hash-384-v1". They capture shared vocabulary, not meaning: a paraphrase
///   that reuses words scores close, a synonym does not. Changing the hashing in any way
///   requires a new model name, since stored vectors would no longer be comparable.
public struct LocalEnricher: Enricher {
    /// The dimension of every local embedding: 384.
    public static let dimension: Int = 384
    /// The model name recorded with local embeddings.
    public static let modelName = "companin-hash-384-v1"

    public var embeddingModel: String { Self.modelName }

    private let summarizer = ExtractiveSummarizer()
    private let ranker = KeywordRanker()
    private let embedder = HashingEmbedder(dimension: LocalEnricher.dimension)

    public init() {}

    public func summarize(_ text: String, title: String?) -> String {
        summarizer.summarize(text, title: title)
    }

    public func keywords(_ text: String, limit: Int) -> [String] {
        ranker.keywords(text, limit: limit)
    }

    /// One vector per text; an empty text (or one of stop words only) gets the zero vector.
    public func embed(_ texts: [String], role: EmbeddingRole) -> [Embedding] {
        embed(texts)
    }

    /// The hashed vectors are lexical: a question and a passage are embedded alike.
    public func embed(_ texts: [String]) -> [Embedding] {
        texts.map { Embedding(model: Self.modelName, vector: embedder.embed($0)) }
    }
}
