import Foundation
import Ingestion

/// One organization's ready chunks as search reads them: who each chunk is (id, source, kind), its
/// vector of one embedding model, and a BM25 index of its words stemmed in its language. Chunks
/// are in id order, which is the order they were written.
struct KnowledgeIndex {
    /// The organization's `knowledge_versions` counter when the chunks were read.
    var version: Int64
    var model: String
    var dimension: Int = 0
    var chunkIDs: [Int64] = []
    var sourceIDs: [UUID] = []
    var kinds: [KnowledgeSource.Kind] = []
    /// Each chunk's place among the vectors, or -1 when it has none of `model` (not embedded yet,
    /// or embedded by another model until `reembed` moves it).
    var vectorSlots: [Int32] = []
    /// The vectors, unit length, one after another, each padded with zeros to whole `SIMD8` lanes
    /// (which leaves dot products unchanged).
    var lanes: [SIMD8<Float>] = []
    /// Document numbers are chunk positions.
    var lexical = LexicalIndex()

    var count: Int { chunkIDs.count }
    var lanesPerVector: Int { (dimension + 7) / 8 }
    var bytes: Int { lanes.count * MemoryLayout<SIMD8<Float>>.stride + count * (8 + 16 + 1 + 4) + lexical.bytes }

    init(version: Int64, model: String, lexical: LexicalIndex = LexicalIndex()) {
        self.version = version
        self.model = model
        self.lexical = lexical
    }

    /// How a chunk's words reach the lexical index: analyzed now, or carried over from the index
    /// this one is rebuilt from (a chunk's content never changes under its id).
    enum Words {
        case analyzed(terms: [String], language: StemmingLanguage?)
        case carried(position: Int, of: LexicalIndex)
    }

    /// Appends a chunk; `vector` is stored when it has the index's dimension (the first sets it).
    mutating func append(chunkID: Int64, sourceID: UUID, kind: KnowledgeSource.Kind, vector: [Float]?, words: Words) {
        chunkIDs.append(chunkID)
        sourceIDs.append(sourceID)
        kinds.append(kind)
        switch words {
        case .analyzed(let terms, let language): lexical.add(terms: terms, language: language)
        case .carried(let position, let earlier): lexical.add(document: position, of: earlier)
        }
        if let vector, !vector.isEmpty, dimension == 0 || vector.count == dimension {
            dimension = vector.count
            vectorSlots.append(Int32(lanes.count / lanesPerVector))
            lanes += Self.unitLanes(vector)
        } else {
            // Vectors of another length cannot be compared with the query's; left out, as cosine would.
            vectorSlots.append(-1)
        }
    }

    /// `vector` scaled to unit length and padded to lanes; all zeros for a norm of 0.
    static func unitLanes(_ vector: [Float]) -> [SIMD8<Float>] {
        let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let scale: Float = norm > 0 && norm.isFinite ? 1 / norm : 0
        var lanes = Array(repeating: SIMD8<Float>(), count: (vector.count + 7) / 8)
        for (position, value) in vector.enumerated() { lanes[position / 8][position % 8] = value * scale }
        return lanes
    }

    /// The cosine of each embedded chunk's vector with `query`, for the chunk positions `include`
    /// accepts, in position order.
    func similarities(to query: [Float], include: (Int) -> Bool) -> [(position: Int, similarity: Float)] {
        guard query.count == dimension, dimension > 0 else { return [] }
        let unit = Self.unitLanes(query)
        let width = lanesPerVector
        var result: [(position: Int, similarity: Float)] = []
        result.reserveCapacity(count)
        for position in 0..<count where vectorSlots[position] >= 0 && include(position) {
            let base = Int(vectorSlots[position]) * width
            var sum = SIMD8<Float>()
            for lane in 0..<width { sum += unit[lane] * lanes[base + lane] }
            result.append((position, min(1, max(-1, sum.sum()))))
        }
        return result
    }
}

/// The knowledge indexes of organizations, held by one responder so a search scores in memory
/// instead of reading every chunk from MariaDB. Each entry is labelled with its organization's
/// `knowledge_versions` counter (moved by triggers on every change a search could see) and
/// rebuilt when the counter has moved, so a search never sees older knowledge than it would
/// without the cache. Entries are bounded by `capacityBytes` in all, least recently used first
/// out; an organization too large for the budget is read for each search and not kept.
final class KnowledgeIndexCache {
    let capacityBytes: Int
    /// Reads chunks and questions the same way; one per responder (it holds stemmer state).
    let analyzer = LexicalAnalyzer()
    private var entries: [UUID: (index: KnowledgeIndex, lastUse: UInt64)] = [:]
    private var uses: UInt64 = 0

    /// Rows read per round trip while loading: bounds the transient memory of a load.
    static let loadBatch = 2_000

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    var bytes: Int { entries.values.reduce(0) { $0 + $1.index.bytes } }

    /// The current index of the store's organization with vectors of `model`, from the cache when
    /// its counter has not moved, else read anew (and kept when it fits the budget).
    func index(_ chunks: KnowledgeChunkStore, model: String) throws -> KnowledgeIndex {
        let organizationID = chunks.db.organizationID
        // Read before the chunks: a change committed between the two reads makes the entry look
        // older than it is, never newer, and the next search reloads it.
        let version = try chunks.version()
        uses += 1
        let previous = entries[organizationID]?.index
        if let previous, previous.version == version, previous.model == model {
            entries[organizationID]?.lastUse = uses
            return previous
        }
        entries[organizationID] = nil
        let index = try load(chunks, model: model, version: version, previous: previous)
        guard index.bytes <= capacityBytes else { return index }
        while bytes + index.bytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
        }
        entries[organizationID] = (index, uses)
        return index
    }

    /// Reads the ready chunks in batches, with their vectors of `model`. The words of chunks that
    /// `previous` holds are carried over; only newer chunks' content is read and analyzed (and,
    /// in the rare batch where an older chunk appears that `previous` lacks — its source became
    /// ready again —, the whole batch's content).
    private func load(_ chunks: KnowledgeChunkStore, model: String, version: Int64, previous: KnowledgeIndex?) throws -> KnowledgeIndex {
        var index = KnowledgeIndex(
            version: version, model: model, lexical: previous.map { LexicalIndex(continuing: $0.lexical) } ?? LexicalIndex())
        let known = previous.map { Dictionary(zip($0.chunkIDs, $0.chunkIDs.indices), uniquingKeysWith: { first, _ in first }) } ?? [:]
        let newestKnown = previous?.chunkIDs.last ?? 0
        var after: Int64 = 0
        while true {
            var rows = try chunks.indexBatch(model: model, after: after, contentAfter: newestKnown, limit: Self.loadBatch)
            if rows.contains(where: { known[$0.id] == nil && $0.content == nil }) {
                rows = try chunks.indexBatch(model: model, after: after, contentAfter: 0, limit: Self.loadBatch)
            }
            for row in rows {
                after = row.id
                guard let kind = KnowledgeSource.Kind(rawValue: row.kind) else { continue }
                let vector = row.embedding.flatMap { Embedding(model: model, bytes: $0)?.vector }
                let words: KnowledgeIndex.Words
                if let previous, let position = known[row.id] {
                    words = .carried(position: position, of: previous.lexical)
                } else {
                    let analyzed = analyzer.analyze(row.content ?? "")
                    words = .analyzed(terms: analyzed.terms, language: analyzed.language)
                }
                index.append(chunkID: row.id, sourceID: row.sourceID, kind: kind, vector: vector, words: words)
            }
            if rows.count < Self.loadBatch { return index }
        }
    }
}
