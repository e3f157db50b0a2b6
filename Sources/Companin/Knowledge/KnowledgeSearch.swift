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
    let db: ScopedConnection
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
        let index = try indexes.index(KnowledgeChunkStore(db: db), model: enricher.embeddingModel)
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
        let details = try KnowledgeChunkStore(db: db).details(top.map { index.chunkIDs[$0.key] })
        let byID = Dictionary(details.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        let hits: [Hit] = top.compactMap { position, score in
            let id = index.chunkIDs[position]
            guard let chunk = byID[id] else { return nil }
            return Hit(
                chunkID: id, sourceID: chunk.sourceID, kind: chunk.kind, title: chunk.title, snippet: Self.snippet(chunk.content),
                score: (score * 10_000).rounded() / 10_000, chunkIndex: chunk.chunkIndex, content: chunk.content,
                similarity: similarityByPosition[position] ?? 0)
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
        let ids = try AssistantKnowledgeStore(db: db).listedSources(scope)
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
            let db = try context.organizationDatabase()
            let input = try SearchInput(try request.jsonObjectBody())
            let (text, topK, kinds) = (input.query, input.topK, input.kinds)
            var scope: KnowledgeScope?
            if let value = input.assistantID {
                guard let id = UUID(uuidString: value),
                    let found = try AssistantKnowledgeStore(db: db).scope(of: id)
                else {
                    throw HTTPError(.notFound, detail: "Assistant not found")
                }
                scope = found
            }
            let hits = try KnowledgeSearch(db: db, enricher: configuration.enricher, indexes: indexes, logger: context.logger)
                .search(.init(text: text ?? "", scope: scope, kinds: kinds, topK: topK))
            return try Response.json(SearchResult(items: hits, count: hits.count, embeddingModel: configuration.enricher.embeddingModel))
        }

        router.post("/api/v1/knowledge/reembed/") { request, context in
            let db = try context.organizationDatabase()
            let input = try ReembedInput(try request.jsonObjectBody())
            let (sourceIDs, assistant) = (input.sourceIDs, input.assistantID)
            var scope: KnowledgeScope?
            if let assistant {
                guard let id = UUID(uuidString: assistant),
                    let found = try AssistantKnowledgeStore(db: db).scope(of: id)
                else {
                    throw HTTPError(.notFound, detail: "Assistant not found")
                }
                scope = found
            }
            // The same scope asked again while its batch runs answers that batch, as the same
            // bytes uploaded again answer the existing file.
            let (batch, created) = try ReembedBatches(db: db).create(sourceIDs: sourceIDs, scope: scope)
            return try Response.json(batch, status: created ? .accepted : .ok)
        }
        router.get("/api/v1/knowledge/reembed/") { request, context in
            let page = try Pagination(request)
            let batches = try ReembedBatches(db: try context.organizationDatabase()).list(limit: page.limit, offset: page.offset)
            return try Response.json(Page(items: batches.items, count: batches.count))
        }
        router.get("/api/v1/knowledge/reembed/:batch_id") { _, context in
            guard let batch = try ReembedBatches(db: try context.organizationDatabase()).find(try context.resourceID("batch_id"))
            else { throw HTTPError.notFound }
            return try Response.json(batch)
        }
    }

    struct SearchResult: Encodable {
        var items: [KnowledgeSearch.Hit]
        var count: Int
        var embeddingModel: String
    }
}
