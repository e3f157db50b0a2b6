import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB

/// Hybrid retrieval over an organization's ready chunks, honouring an assistant's knowledge scope:
/// BM25 over stemmed words and vector similarity (cosine, over embeddings of the enricher's
/// current model only), fused by reciprocal rank fusion at two levels — each chunk's own ranks and
/// its source's — so a document whose several chunks match is not pushed down by its own chunks.
/// When the embedding model cannot be reached the search is lexical alone, with a warning.
struct KnowledgeSearch {
    let database: Connection
    let organizationID: UUID
    let enricher: any Enricher
    /// This responder's indexes (kept between requests when they fit its budget).
    let indexes: KnowledgeIndexCache
    let logger: Logger

    struct Query {
        var text: String
        var scope: KnowledgeScope?
        var kinds: [KnowledgeSource.Kind]?
        var topK: Int
    }

    struct Hit: Encodable {
        var chunkID: Int64
        var sourceID: UUID
        var kind: String
        var title: String
        var snippet: String
        var score: Double
        var chunkIndex: Int
        /// The whole chunk, and its cosine similarity to the query (0 when not compared): for
        /// answering from it, not shown by the search endpoint.
        var content: String
        var similarity: Float

        enum CodingKeys: String, CodingKey {
            case chunkID = "chunk_id"
            case sourceID = "source_id"
            case kind, title, snippet, score
            case chunkIndex = "chunk_index"
        }
    }

    /// What a search found, with what it was found over.
    struct Outcome {
        var hits: [Hit]
        var index: KnowledgeIndex
        /// False when the embedding model failed and the ranking is lexical alone.
        var semantic: Bool
    }

    /// Candidates taken from each ranking before fusion.
    static let candidates = 50
    /// The usual RRF constant: damps the weight of the very first ranks.
    static let fusionConstant = 60.0

    func search(_ query: Query) throws -> [Hit] {
        try run(query).hits
    }

    func run(_ query: Query) throws -> Outcome {
        let index = try indexes.index(organizationID: organizationID, model: enricher.embeddingModel, database: database)
        let sources = try scopedSources(query.scope)
        let kinds = query.kinds.flatMap { $0.isEmpty ? nil : Set($0) }
        let include: (Int) -> Bool = { position in
            (kinds?.contains(index.kinds[position]) ?? true) && (sources?.admits(index.sourceIDs[position]) ?? true)
        }

        var queryTerms: [StemmingLanguage?: [String]] = [:]
        for language in index.lexical.documentLanguages {
            queryTerms[language] = indexes.analyzer.terms(query.text, language: language)
        }
        let lexical = index.lexical.scores(queryTerms, include: include).prefix(Self.candidates).map(\.document)

        var similarities: [(position: Int, similarity: Float)] = []
        var semantic = true
        do {
            if let vector = try enricher.embed([query.text], role: .query).first {
                similarities = index.similarities(to: vector.vector, include: include)
            }
        } catch {
            semantic = false
            logger.warning(
                "embedding the query failed; ranking by words alone",
                metadata: ["model": "\(enricher.embeddingModel)", "error": "\(error)"])
        }
        let similarityByPosition = Dictionary(similarities.map { ($0.position, $0.similarity) }, uniquingKeysWith: { first, _ in first })
        let nearest = similarities.filter { $0.similarity > 0 }
            .sorted { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.position < $1.position }
            .prefix(Self.candidates).map(\.position)

        var fused: [Int: Double] = [:]
        for ranking in [lexical, Array(nearest)] {
            var sourceRanks: [UUID: Int] = [:]
            for position in ranking where sourceRanks[index.sourceIDs[position]] == nil {
                sourceRanks[index.sourceIDs[position]] = sourceRanks.count + 1
            }
            for (rank, position) in ranking.enumerated() {
                fused[position, default: 0] +=
                    1 / (Self.fusionConstant + Double(rank + 1))
                    + 1 / (Self.fusionConstant + Double(sourceRanks[index.sourceIDs[position]]!))
            }
        }
        let top = fused.sorted { $0.value != $1.value ? $0.value > $1.value : index.chunkIDs[$0.key] < index.chunkIDs[$1.key] }
            .prefix(query.topK)
        guard !top.isEmpty else { return Outcome(hits: [], index: index, semantic: semantic) }
        let details = try database.query(
            sql: """
            SELECT c.id, c.source_id, c.chunk_index, c.content, s.kind, s.title FROM knowledge_chunks c
            JOIN knowledge_sources s ON s.id = c.source_id
            WHERE c.organization_id = ? AND c.id IN (\(Array(repeating: "?", count: top.count).joined(separator: ", ")))
            """, [organizationID.databaseValue] + top.map { .int(index.chunkIDs[$0.key]) })
        var byID: [Int64: Row] = [:]
        for row in details { byID[try row.decode(Int64.self, "id")] = row }
        let hits: [Hit] = try top.compactMap { position, score in
            let id = index.chunkIDs[position]
            guard let row = byID[id] else { return nil }
            let content = try row.decode(String.self, "content")
            return Hit(
                chunkID: id, sourceID: try row.decode(UUID.self, "source_id"), kind: try row.decode(String.self, "kind"),
                title: try row.decode(String.self, "title"), snippet: Self.snippet(content),
                score: (score * 10_000).rounded() / 10_000, chunkIndex: try row.decode(Int.self, "chunk_index"),
                content: content, similarity: similarityByPosition[position] ?? 0)
        }
        return Outcome(hits: hits, index: index, semantic: semantic)
    }

    /// The sources an assistant's scope lets in or keeps out, read once for a search scored in memory.
    enum ScopedSources {
        case only(Set<UUID>)
        case except(Set<UUID>)

        func admits(_ id: UUID) -> Bool {
            switch self {
            case .only(let ids): ids.contains(id)
            case .except(let ids): !ids.contains(id)
            }
        }
    }

    private func scopedSources(_ scope: KnowledgeScope?) throws -> ScopedSources? {
        guard let scope else { return nil }
        let ids = Set(
            try database.query(
                sql: """
                SELECT source_id FROM assistant_knowledge WHERE organization_id = ? AND assistant_id = ? AND mode = ?
                """, [organizationID.databaseValue, scope.assistantID.databaseValue, .text(scope.mode == .linked ? "include" : "exclude")]
            )
            .map { try $0.decode(UUID.self, "source_id") })
        return scope.mode == .linked ? .only(ids) : .except(ids)
    }

    static func snippet(_ text: String) -> String {
        text.count <= 300 ? text : String(text.prefix(300)) + "…"
    }
}

/// `POST /api/v1/knowledge/search` and `POST /api/v1/knowledge/reembed`.
enum SearchRoutes {
    static func register(on router: inout Router<AppContext>, configuration: KnowledgeConfiguration, indexes: KnowledgeIndexCache) {
        router.post("/api/v1/knowledge/search") { request, context in
            let organizationID = try context.organization()
            let input = try SearchInput(try request.jsonObjectBody())
            let (text, topK, kinds) = (input.query, input.topK, input.kinds)
            var scope: KnowledgeScope?
            if let value = input.assistantID {
                guard let id = UUID(uuidString: value),
                    let found = try KnowledgeScope.of(id, organizationID: organizationID, database: context.database)
                else {
                    throw HTTPError(.notFound, detail: "Assistant not found")
                }
                scope = found
            }
            let hits = try KnowledgeSearch(
                database: context.database, organizationID: organizationID, enricher: configuration.enricher,
                indexes: indexes, logger: context.logger
            )
            .search(.init(text: text ?? "", scope: scope, kinds: kinds, topK: topK))
            return try Response.json(SearchResult(items: hits, count: hits.count, embeddingModel: configuration.enricher.embeddingModel))
        }

        router.post("/api/v1/knowledge/reembed") { request, context in
            let organizationID = try context.organization()
            let input = try ReembedInput(try request.jsonObjectBody())
            let (sourceIDs, assistant) = (input.sourceIDs, input.assistantID)
            var scope: KnowledgeScope?
            if let assistant {
                guard let id = UUID(uuidString: assistant),
                    let found = try KnowledgeScope.of(id, organizationID: organizationID, database: context.database)
                else {
                    throw HTTPError(.notFound, detail: "Assistant not found")
                }
                scope = found
            }
            let batch = try ReembedBatches(database: context.database, organizationID: organizationID)
                .create(sourceIDs: sourceIDs, scope: scope)
            return try Response.json(batch, status: .accepted)
        }
        router.get("/api/v1/knowledge/reembed/") { request, context in
            let page = try Pagination(request)
            let batches = try ReembedBatches(database: context.database, organizationID: try context.organization())
                .list(limit: page.limit, offset: page.offset)
            return try Response.json(Page(items: batches.items, count: batches.count))
        }
        router.get("/api/v1/knowledge/reembed/:batch_id") { _, context in
            guard
                let batch = try ReembedBatches(database: context.database, organizationID: try context.organization())
                    .find(try context.resourceID("batch_id"))
            else { throw HTTPError.notFound }
            return try Response.json(batch)
        }
    }

    struct SearchResult: Encodable {
        var items: [KnowledgeSearch.Hit]
        var count: Int
        var embeddingModel: String
        enum CodingKeys: String, CodingKey { case items, count, embeddingModel = "embedding_model" }
    }
}

/// Re-embedding requests: one job per ready source, progress read from those jobs.
struct ReembedBatches {
    let database: Connection
    let organizationID: UUID

    struct Batch: Encodable {
        var id: UUID
        var scope: String
        var status: String
        var total: Int
        var done: Int
        var failed: Int
        var createdAt: Date
        enum CodingKeys: String, CodingKey {
            case id, scope, status, total, done, failed
            case createdAt = "created_at"
        }
    }

    /// A batch for the ready sources among `sourceIDs`, or in `scope`, or all; `description`
    /// replaces the scope's own wording (what the batch is for, as lists show it).
    func create(sourceIDs: [UUID]?, scope: KnowledgeScope?, description wording: String? = nil) throws -> Batch {
        var filter = "s.organization_id = ? AND s.status = 'ready'"
        var values: [DatabaseValue] = [organizationID.databaseValue]
        var description: String
        if let sourceIDs {
            filter += " AND s.id IN (\(Array(repeating: "?", count: sourceIDs.count).joined(separator: ", ")))"
            values += sourceIDs.map(\.databaseValue)
            description = "sources: \(sourceIDs.count)"
        } else if let scope {
            let condition = scope.condition
            filter += " AND \(condition.sql)"
            values += condition.values
            description = "assistant: \(scope.assistantID.uuidString.lowercased())"
        } else {
            description = "all"
        }
        if let wording { description = wording }
        let id = UUID()
        let now = Date.now.truncatedToMicroseconds
        return try database.transaction {
            let sources = try database.query(sql: "SELECT s.id FROM knowledge_sources s WHERE \(filter)", values)
                .map { try $0.decode(UUID.self, "id") }
            try database.execute(
                sql: """
                INSERT INTO reembed_batches (id, organization_id, scope, total, created_at) VALUES (?, ?, ?, ?, ?)
                """, [id.databaseValue, organizationID.databaseValue, .text(description), .int(Int64(sources.count)), now.databaseValue])
            let queue = IngestionQueue(database: database)
            for source in sources { try queue.enqueue(organizationID: organizationID, sourceID: source, task: .reembed, batchID: id) }
            return Batch(
                id: id, scope: description, status: sources.isEmpty ? "done" : "queued", total: sources.count, done: 0,
                failed: 0, createdAt: now)
        }
    }

    /// The organization's batches, newest first, with their progress.
    func list(limit: Int, offset: Int) throws -> (items: [Batch], count: Int) {
        let count =
            try database.query(
                sql: "SELECT COUNT(*) AS n FROM reembed_batches WHERE organization_id = ?",
                [organizationID.databaseValue]
            ).first?.decode(Int.self, "n") ?? 0
        let ids = try database.query(
            sql: """
            SELECT id FROM reembed_batches WHERE organization_id = ? ORDER BY created_at DESC, id LIMIT ? OFFSET ?
            """, [organizationID.databaseValue, .int(Int64(limit)), .int(Int64(offset))]
        ).map { try $0.decode(UUID.self, "id") }
        return (try ids.compactMap(find), count)
    }

    /// A source counts once: done when its last slice is (a long source takes several jobs, each
    /// queueing the next), failed when one of them gave up.
    func find(_ id: UUID) throws -> Batch? {
        guard
            let row = try database.query(
                sql: """
                SELECT b.scope, b.total, b.created_at,
                       (SELECT COUNT(DISTINCT j.source_id) FROM ingestion_jobs j WHERE j.batch_id = b.id AND j.state = 'done'
                          AND NOT EXISTS (SELECT 1 FROM ingestion_jobs k WHERE k.batch_id = b.id AND k.source_id = j.source_id
                                          AND k.state IN ('queued', 'running', 'failed'))) AS done,
                       (SELECT COUNT(DISTINCT j.source_id) FROM ingestion_jobs j WHERE j.batch_id = b.id AND j.state = 'failed') AS failed
                FROM reembed_batches b WHERE b.organization_id = ? AND b.id = ?
                """, [organizationID.databaseValue, id.databaseValue]
            ).first
        else { return nil }
        let total = try row.decode(Int.self, "total")
        let done = try row.decode(Int.self, "done")
        let failed = try row.decode(Int.self, "failed")
        let status = done + failed >= total ? (failed > 0 ? "finished_with_failures" : "done") : "running"
        return Batch(
            id: id, scope: try row.decode(String.self, "scope"), status: status, total: total, done: done, failed: failed,
            createdAt: try row.decode(Date.self, "created_at"))
    }
}
