import Foundation
import Ingestion
import MariaDB

/// One organization's knowledge chunks: written by the ingest workers, read by search.
struct KnowledgeChunkStore {
    let db: ScopedConnection

    /// A ready chunk as the knowledge index reads it: `content` only when asked for, `embedding`
    /// only when of the index's model.
    struct IndexedChunk: Decodable {
        var id: Int64
        var sourceID: UUID
        var kind: String
        var content: String?
        var embedding: [UInt8]?
    }

    /// A chunk as a search hit shows it.
    struct Detail: Decodable {
        var id: Int64
        var sourceID: UUID
        var chunkIndex: Int
        var content: String
        var kind: String
        var title: String
    }

    struct StaleChunk: Decodable {
        var id: Int64
        var content: String
    }

    /// The organization's `knowledge_versions` counter (moved by triggers on every change a search could see).
    func version() throws -> Int64 {
        try db.fetchOne(Int64.self, "SELECT version FROM knowledge_versions WHERE \(db.condition)") ?? 0
    }

    /// Up to `limit` ready chunks after `after`, in id order, the content only of those after `contentAfter`.
    func indexBatch(model: String, after: Int64, contentAfter: Int64, limit: Int) throws -> [IndexedChunk] {
        try db.fetchAll(
            IndexedChunk.self,
            """
            SELECT c.id, c.source_id, s.kind, IF(c.id > \(contentAfter), c.content, NULL) AS content,
                   IF(c.embedding_model = \(model), c.embedding, NULL) AS embedding
            FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
            WHERE \(db.condition("c")) AND s.status = 'ready' AND c.id > \(after)
            ORDER BY c.id LIMIT \(limit)
            """)
    }

    /// The chunks with these ids, in no particular order.
    func details(_ ids: [Int64]) throws -> [Detail] {
        try db.fetchAll(
            Detail.self,
            """
            SELECT c.id, c.source_id, c.chunk_index, c.content, s.kind, s.title FROM knowledge_chunks c
            JOIN knowledge_sources s ON s.id = c.source_id
            WHERE \(db.condition("c")) AND c.id IN \(list: ids)
            """)
    }

    /// Replaces a source's chunks.
    func replace(_ sourceID: UUID, with chunks: [Chunk], _ embeddings: [Embedding], at now: Date) throws {
        try db.execute("DELETE FROM knowledge_chunks WHERE \(db.condition) AND source_id = \(sourceID)")
        for (chunk, embedding) in zip(chunks, embeddings) {
            try db.execute(
                """
                INSERT INTO knowledge_chunks (source_id, organization_id, chunk_index, content, embedding, embedding_model,
                    embedding_dimension, created_at)
                VALUES (\(sourceID), \(db.value), \(chunk.index), \(chunk.text), \(embedding.encoded()), \(embedding.model),
                    \(embedding.dimension), \(now))
                """)
        }
    }

    /// How many of a source's chunks carry another model's vectors than `model`.
    func staleCount(_ sourceID: UUID, model: String) throws -> Int {
        try db.fetchOne(
            Int.self,
            "SELECT COUNT(*) FROM knowledge_chunks WHERE \(db.condition) AND source_id = \(sourceID) AND embedding_model <> \(model)"
        ) ?? 0
    }

    /// The first `limit` of those, in their source's order.
    func staleChunks(_ sourceID: UUID, model: String, limit: Int) throws -> [StaleChunk] {
        try db.fetchAll(
            StaleChunk.self,
            """
            SELECT id, content FROM knowledge_chunks WHERE \(db.condition) AND source_id = \(sourceID) AND embedding_model <> \(model)
            ORDER BY chunk_index LIMIT \(limit)
            """)
    }

    func setEmbedding(_ id: Int64, _ embedding: Embedding) throws {
        try db.execute(
            """
            UPDATE knowledge_chunks SET embedding = \(embedding.encoded()), embedding_model = \(embedding.model),
                embedding_dimension = \(embedding.dimension)
            WHERE \(db.condition) AND id = \(id)
            """)
    }
}
