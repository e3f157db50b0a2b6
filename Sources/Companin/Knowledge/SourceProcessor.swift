import Foundation
import HTTP
import Ingestion
import MariaDB

/// Turns a source into searchable knowledge: text (extracted in a sandboxed subprocess for files),
/// chunks, a summary, keywords and one embedding per chunk — then stores it all in one transaction.
struct SourceProcessor {
    let database: Connection
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
    func process(_ source: KnowledgeSource, organizationID: UUID, heartbeat: () throws -> Void = {}) throws -> Outcome {
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
        let embeddings = try embed(chunks.map(\.text), of: source, organizationID: organizationID, heartbeat: heartbeat)
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
    func store(_ outcome: Outcome, for source: KnowledgeSource, organizationID: UUID) throws {
        switch outcome {
        case .content(let result):
            try store(result, for: source, organizationID: organizationID)
        case .unchanged(let page):
            try database.transaction {
                try lock(source, organizationID: organizationID)
                try recordFetch(page, text: nil, for: source, organizationID: organizationID)
                let now = Date.now.truncatedToMicroseconds
                try database.execute(
                    sql: """
                    UPDATE knowledge_sources SET status = 'ready', error_code = NULL, error_message = NULL, ready_at = ?, updated_at = ?
                    WHERE organization_id = ? AND id = ?
                    """, [now.databaseValue, now.databaseValue, organizationID.databaseValue, source.id.databaseValue])
            }
        }
    }

    /// Replaces the source's chunks and marks it ready, in one transaction.
    private func store(_ result: Result, for source: KnowledgeSource, organizationID: UUID) throws {
        let now = Date.now.truncatedToMicroseconds
        try database.transaction {
            try lock(source, organizationID: organizationID)
            if let page = result.page {
                try recordFetch(page, text: result.text, details: result.attributes, for: source, organizationID: organizationID)
            }
            try database.execute(
                sql: "DELETE FROM knowledge_chunks WHERE organization_id = ? AND source_id = ?",
                [organizationID.databaseValue, source.id.databaseValue])
            try insertChunks(result.chunks, result.embeddings, sourceID: source.id, organizationID: organizationID, at: now)
            let keepsClientTitle = source.attributes["title_from"] != .string("filename")
            try database.execute(
                sql: """
                UPDATE knowledge_sources SET status = 'ready', error_code = NULL, error_message = NULL, title = ?, attributes = ?,
                    summary = ?, keywords = ?, chunk_count = ?, ready_at = ?, updated_at = ?
                WHERE organization_id = ? AND id = ?
                """,
                [
                    .text(keepsClientTitle ? source.title : (result.title ?? source.title).prefix(codePoints: 300)),
                    .text(JSONValue.object(result.attributes).serialized), .text(result.summary),
                    .text(JSONValue.array(result.keywords.map(JSONValue.string)).serialized), .int(Int64(result.chunks.count)),
                    now.databaseValue, now.databaseValue, organizationID.databaseValue, source.id.databaseValue,
                ])
        }
    }

    /// Chunks one re-embedding job embeds before it hands the worker back: a few seconds of the
    /// in-process model, so new content (claimed first) waits at most that long, and a long
    /// document's move to a new model never runs into the job timeout.
    static let reembedSlice = 32

    /// Gives up to `reembedSlice` of a ready source's chunks that carry another model's vectors
    /// (or none) the current model's; `true` when more remain for another job. Chunks already
    /// embedded by the current model are left as they are: the same model gives the same vectors.
    func reembed(_ source: KnowledgeSource, organizationID: UUID, heartbeat: () throws -> Void = {}) throws -> Bool {
        let model = enricher.embeddingModel
        let scope: [DatabaseValue] = [organizationID.databaseValue, source.id.databaseValue, .text(model)]
        let stale =
            try database.query(
                sql: """
                SELECT COUNT(*) AS n FROM knowledge_chunks WHERE organization_id = ? AND source_id = ? AND embedding_model <> ?
                """, scope
            ).first?.decode(Int.self, "n") ?? 0
        let rows = try database.query(
            sql: """
            SELECT id, content FROM knowledge_chunks WHERE organization_id = ? AND source_id = ? AND embedding_model <> ?
            ORDER BY chunk_index LIMIT ?
            """, scope + [.int(Int64(Self.reembedSlice))])
        let total = max(source.chunkCount, stale)
        let embeddings = try embed(
            try rows.map { try $0.decode(String.self, "content") }, of: source, organizationID: organizationID,
            done: total - stale, total: total, heartbeat: heartbeat)
        let vectors = zip(try rows.map { try $0.decode(Int64.self, "id") }, embeddings)
        try database.transaction {
            try lock(source, organizationID: organizationID)
            for (id, embedding) in vectors {
                try database.execute(
                    sql: """
                    UPDATE knowledge_chunks SET embedding = ?, embedding_model = ?, embedding_dimension = ?
                    WHERE organization_id = ? AND id = ?
                    """,
                    [
                        .blob(embedding.encoded()), .text(embedding.model), .int(Int64(embedding.dimension)),
                        organizationID.databaseValue, .int(id),
                    ])
            }
        }
        return stale > rows.count
    }

    /// Embeds `texts` in batches, recording after each how many are done, so the source shows
    /// its progress while the job runs (its own statement: the job's transaction comes at the end).
    /// `done` and `total` place these texts among all the source's chunks (a re-embedding slice).
    private func embed(
        _ texts: [String], of source: KnowledgeSource, organizationID: UUID, done: Int = 0, total: Int? = nil,
        heartbeat: () throws -> Void
    ) throws -> [Embedding] {
        var embeddings: [Embedding] = []
        embeddings.reserveCapacity(texts.count)
        let total = total ?? texts.count
        try recordProgress(done, of: total, source: source, organizationID: organizationID)
        for start in stride(from: 0, to: texts.count, by: Self.embeddingBatch) {
            embeddings += try enricher.embed(Array(texts[start..<min(start + Self.embeddingBatch, texts.count)]))
            try recordProgress(done + embeddings.count, of: total, source: source, organizationID: organizationID)
            try heartbeat()
        }
        return embeddings
    }

    private func recordProgress(_ done: Int, of total: Int, source: KnowledgeSource, organizationID: UUID) throws {
        try database.execute(
            sql: """
            UPDATE knowledge_sources SET chunks_embedded = ?, chunks_to_embed = ? WHERE organization_id = ? AND id = ?
            """, [.int(Int64(done)), .int(Int64(total)), organizationID.databaseValue, source.id.databaseValue])
    }

    /// Takes the source's row lock first in a transaction that changes its chunks. Changes to chunks
    /// and to a source's status move the organization's `knowledge_versions` row (triggers); the API
    /// changes a source row and then that counter, so a worker must take the two in the same order
    /// or the two transactions deadlock.
    private func lock(_ source: KnowledgeSource, organizationID: UUID) throws {
        _ = try database.query(
            sql: "SELECT id FROM knowledge_sources WHERE organization_id = ? AND id = ? FOR UPDATE",
            [organizationID.databaseValue, source.id.databaseValue])
    }

    /// Marks a source failed with a reason operators can act on.
    func markFailed(_ sourceID: UUID, organizationID: UUID, code: String, message: String) throws {
        let now = Date.now.truncatedToMicroseconds
        try database.execute(
            sql: """
            UPDATE knowledge_sources SET status = 'failed', error_code = ?, error_message = ?, failed_at = ?, updated_at = ?
            WHERE organization_id = ? AND id = ?
            """,
            [
                .text(code.prefix(codePoints: 50)), .text(message.prefix(codePoints: 1000)), now.databaseValue, now.databaseValue,
                organizationID.databaseValue, sourceID.databaseValue,
            ])
    }

    private func insertChunks(_ chunks: [Chunk], _ embeddings: [Embedding], sourceID: UUID, organizationID: UUID, at now: Date) throws {
        for (chunk, embedding) in zip(chunks, embeddings) {
            try database.execute(
                sql: """
                INSERT INTO knowledge_chunks (source_id, organization_id, chunk_index, content, embedding, embedding_model,
                    embedding_dimension, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    sourceID.databaseValue, organizationID.databaseValue, .int(Int64(chunk.index)), .text(chunk.text),
                    .blob(embedding.encoded()), .text(embedding.model), .int(Int64(embedding.dimension)), now.databaseValue,
                ])
        }
    }
}
