/// Produces what retrieval needs from a knowledge record's text: a summary, ranked keywords,
/// and embedding vectors for its chunks.
///
/// Implementations are synchronous (an ingest worker does one job at a time) and must be safe
/// to share across threads.
public protocol Enricher: Sendable {
    /// The name recorded with every embedding this enricher produces, e.g.
    /// "companin-hash-384-v1" or a model server's model name.
    var embeddingModel: String { get }
    /// A few sentences saying what `text` is about; `title`, when known, helps choose them.
    func summarize(_ text: String, title: String?) throws -> String
    /// Up to `limit` keywords or two-word phrases, most significant first, lowercase.
    func keywords(_ text: String, limit: Int) throws -> [String]
    /// One embedding per text, in the same order, all of model `embeddingModel`. Models trained
    /// with asymmetric prefixes (E5's "query: " and "passage: ") embed a text by its `role`; the
    /// others ignore it.
    func embed(_ texts: [String], role: EmbeddingRole) throws -> [Embedding]
}

/// What a text is to retrieval: something stored to be found, or a question looking for it.
public enum EmbeddingRole: String, Sendable {
    case passage, query
}

extension Enricher {
    /// Embeds knowledge to be stored.
    public func embed(_ texts: [String]) throws -> [Embedding] {
        try embed(texts, role: .passage)
    }
}
