import Foundation
import HTTP
import Ingestion
import MariaDB

/// Turns a source into searchable knowledge: text (extracted in a sandboxed subprocess for files),
/// chunks, a summary, keywords and one embedding per chunk — then stores it all in one transaction.
struct SourceProcessor {
    let blobs: BlobStore
    let runner: ExtractionRunner
    let enricher: any Enricher
    let chunker: Chunker
    let fetcher: Fetcher

    static let keywordLimit = 12
    /// Chunks embedded per call: a few seconds of the in-process model, so progress moves visibly.
    static let embeddingBatch = 8

    /// A failure that retrying cannot fix (the content itself is the problem).
    struct PermanentFailure: Error {
        var code: String
        var message: String
    }

    /// A failure worth another attempt later (a site that timed out, a model server that is down).
    struct RetryableFailure: Error, CustomStringConvertible {
        var description: String
    }

    struct Result {
        /// The whole extracted text (kept for URL sources, to show and to compare on refresh).
        var text: String
        var title: String?
        var attributes: [String: JSONValue]
        var chunks: [Chunk]
        var summary: String
        var keywords: [String]
        var embeddings: [Embedding]
        /// For URL sources: what the fetch found.
        var page: FetchedPage?
    }

    /// Everything but the database write; throws `PermanentFailure` for bad content.
    /// `heartbeat` runs after every batch of embeddings (the worker renews its job's lease there).
    func process(_ source: KnowledgeSource, in db: ScopedConnection, heartbeat: () throws -> Void = {}) throws -> Outcome {
        var attributes = source.attributes
        var title: String?
        let text: String
        var page: FetchedPage?
        switch source.kind {
        case .file:
            guard let path = source.blobPath, let kind = source.contentKind.flatMap(ContentKind.init(rawValue:)) else {
                throw PermanentFailure(code: "missing_original", message: "The original file is not on record")
            }
            switch runner.extract(path: blobs.url(for: path).path, kind: kind) {
            case .success(let extraction):
                text = extraction.text
                title = extraction.title
                for (name, value) in extraction.attributes { attributes[name] = .string(value) }
            case .failure(let error):
                throw PermanentFailure(code: error.code, message: error.message)
            }
        case .qa:
            text = "\(source.question ?? "")\n\(source.answer ?? "")"
        case .url:
            switch try fetch(source) {
            case .unchanged(let fetched):
                return .unchanged(fetched)
            case .content(let fetched, let extraction):
                text = extraction.text
                title = extraction.title
                for (name, value) in extraction.attributes { attributes[name] = .string(value) }
                page = fetched
            }
        }
        // PDF pages arrive separated by form feeds; a page break is a paragraph break to the chunker.
        let trimmed = text.replacingOccurrences(of: "\u{0C}", with: "\n\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PermanentFailure(code: "no_text", message: "No text could be found in the content") }
        // A refreshed page whose text did not change keeps its chunks and embeddings.
        if let page, let stored = source.extractedText, stored == trimmed { return .unchanged(page) }
        // A Q&A pair is one chunk, so a question always retrieves its whole answer.
        let chunks = source.kind == .qa ? [Chunk(index: 0, text: trimmed, startOffset: 0)] : chunker.chunks(trimmed)
        let embeddings = try embed(chunks.map(\.text), of: source, in: db, heartbeat: heartbeat)
        guard embeddings.count == chunks.count else {
            throw PermanentFailure(
                code: "embedding_mismatch", message: "The enricher returned \(embeddings.count) vectors for \(chunks.count) chunks")
        }
        return .content(
            Result(
                text: trimmed, title: title, attributes: attributes, chunks: chunks,
                summary: source.kind == .qa
                    ? (source.answer ?? "").prefix(codePoints: 600) : try enricher.summarize(trimmed, title: title ?? source.title),
                keywords: try enricher.keywords(trimmed, limit: Self.keywordLimit),
                embeddings: embeddings, page: page))
    }

    enum Outcome {
        case content(Result)
        /// A URL whose content did not change since the last fetch (304, or the same text).
        case unchanged(FetchedPage)
    }

    /// Stores an outcome: new content replaces the chunks; an unchanged page only records the fetch.
    func store(_ outcome: Outcome, for source: KnowledgeSource, in db: ScopedConnection) throws {
        let sources = KnowledgeStore(db: db)
        switch outcome {
        case .content(let result):
            try store(result, for: source, in: db)
        case .unchanged(let page):
            try db.transaction {
                try sources.lock(source.id)
                try sources.recordFetch(page, text: nil, for: source)
                try sources.markReady(source.id, at: Date.now.truncatedToMicroseconds)
            }
        }
    }

    /// Replaces the source's chunks and marks it ready, in one transaction.
    private func store(_ result: Result, for source: KnowledgeSource, in db: ScopedConnection) throws {
        let now = Date.now.truncatedToMicroseconds
        let sources = KnowledgeStore(db: db)
        try db.transaction {
            try sources.lock(source.id)
            if let page = result.page {
                try sources.recordFetch(page, text: result.text, details: result.attributes, for: source)
            }
            try KnowledgeChunkStore(db: db).replace(source.id, with: result.chunks, result.embeddings, at: now)
            let keepsClientTitle = source.attributes["title_from"] != .string("filename")
            try sources.markReady(
                source.id, title: keepsClientTitle ? source.title : (result.title ?? source.title).prefix(codePoints: 300),
                attributes: result.attributes, summary: result.summary, keywords: result.keywords, chunkCount: result.chunks.count,
                at: now)
        }
    }

    /// Chunks one re-embedding job embeds before it hands the worker back: a few seconds of the
    /// in-process model, so new content (claimed first) waits at most that long, and a long
    /// document's move to a new model never runs into the job timeout.
    static let reembedSlice = 32

    /// Gives up to `reembedSlice` of a ready source's chunks that carry another model's vectors
    /// (or none) the current model's; `true` when more remain for another job. Chunks already
    /// embedded by the current model are left as they are: the same model gives the same vectors.
    func reembed(_ source: KnowledgeSource, in db: ScopedConnection, heartbeat: () throws -> Void = {}) throws -> Bool {
        let model = enricher.embeddingModel
        let chunks = KnowledgeChunkStore(db: db)
        let stale = try chunks.staleCount(source.id, model: model)
        let slice = try chunks.staleChunks(source.id, model: model, limit: Self.reembedSlice)
        let total = max(source.chunkCount, stale)
        let embeddings = try embed(slice.map(\.content), of: source, in: db, done: total - stale, total: total, heartbeat: heartbeat)
        try db.transaction {
            try KnowledgeStore(db: db).lock(source.id)
            for (chunk, embedding) in zip(slice, embeddings) { try chunks.setEmbedding(chunk.id, embedding) }
        }
        return stale > slice.count
    }

    /// Embeds `texts` in batches, recording after each how many are done, so the source shows
    /// its progress while the job runs (its own statement: the job's transaction comes at the end).
    /// `done` and `total` place these texts among all the source's chunks (a re-embedding slice).
    private func embed(
        _ texts: [String], of source: KnowledgeSource, in db: ScopedConnection, done: Int = 0, total: Int? = nil,
        heartbeat: () throws -> Void
    ) throws -> [Embedding] {
        var embeddings: [Embedding] = []
        embeddings.reserveCapacity(texts.count)
        let total = total ?? texts.count
        let sources = KnowledgeStore(db: db)
        try sources.recordProgress(source.id, done: done, of: total)
        for start in stride(from: 0, to: texts.count, by: Self.embeddingBatch) {
            embeddings += try enricher.embed(Array(texts[start..<min(start + Self.embeddingBatch, texts.count)]))
            try sources.recordProgress(source.id, done: done + embeddings.count, of: total)
            try heartbeat()
        }
        return embeddings
    }
}
