import Foundation
import Ingestion
import MariaDB

/// The embeddings of organizations' ready chunks, held by one responder so a search scores them
/// in memory instead of reading every vector from MariaDB. Each organization's entry is labelled
/// with its `knowledge_versions` counter (moved by triggers on every change a search could see)
/// and reloaded when the counter has moved, so a search never sees older knowledge than it would
/// without the cache. Entries are bounded by `capacityBytes` in all, least recently used first
/// out; an organization too large for the budget is searched from the database.
final class VectorCache {
    /// One organization's vectors of one embedding model, unit length, one after another, each
    /// padded with zeros to whole `SIMD8` lanes (which leaves dot products unchanged).
    struct Index {
        var version: Int64
        var model: String
        var dimension: Int
        var chunkIDs: [Int64] = []
        var sourceIDs: [UUID] = []
        var kinds: [KnowledgeSource.Kind] = []
        var lanes: [SIMD8<Float>] = []

        var count: Int { chunkIDs.count }
        var lanesPerVector: Int { (dimension + 7) / 8 }
        var bytes: Int { lanes.count * MemoryLayout<SIMD8<Float>>.stride + count * (8 + 16 + 1) }

        /// `vector` scaled to unit length and padded to lanes; all zeros for a norm of 0.
        static func unitLanes(_ vector: [Float]) -> [SIMD8<Float>] {
            let norm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            let scale: Float = norm > 0 && norm.isFinite ? 1 / norm : 0
            var lanes = Array(repeating: SIMD8<Float>(), count: (vector.count + 7) / 8)
            for (position, value) in vector.enumerated() { lanes[position / 8][position % 8] = value * scale }
            return lanes
        }

        /// The cosine of each chunk's vector with `query`, for the chunks `include` accepts.
        func similarities(to query: [Float], include: (Int) -> Bool) -> [(id: Int64, similarity: Float)] {
            guard query.count == dimension, dimension > 0 else { return [] }
            let unit = Self.unitLanes(query)
            let width = lanesPerVector
            var result: [(id: Int64, similarity: Float)] = []
            result.reserveCapacity(count)
            for row in 0..<count where include(row) {
                let base = row * width
                var sum = SIMD8<Float>()
                for lane in 0..<width { sum += unit[lane] * lanes[base + lane] }
                result.append((chunkIDs[row], min(1, max(-1, sum.sum()))))
            }
            return result
        }
    }

    let capacityBytes: Int
    private var entries: [UUID: (index: Index, lastUse: UInt64)] = [:]
    private var uses: UInt64 = 0

    /// Rows read per round trip while loading: bounds the transient memory of a load.
    static let loadBatch = 2_000

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    var bytes: Int { entries.values.reduce(0) { $0 + $1.index.bytes } }

    /// The current index of `organizationID` for `model`, loaded or refreshed as needed; `nil`
    /// when the cache is off or the organization's vectors would not fit in it.
    func index(organizationID: UUID, model: String, database: Connection) throws -> Index? {
        guard capacityBytes > 0 else { return nil }
        // Read before the vectors: a change committed between the two reads makes the entry look
        // older than it is, never newer, and the next search reloads it.
        let version = try database.query("SELECT version FROM knowledge_versions WHERE organization_id = ?",
                                          [organizationID.databaseValue]).first?.decode(Int64.self, "version") ?? 0
        uses += 1
        if let entry = entries[organizationID], entry.index.version == version, entry.index.model == model {
            entries[organizationID]?.lastUse = uses
            return entry.index
        }
        entries[organizationID] = nil
        guard let index = try load(organizationID: organizationID, model: model, version: version, database: database) else { return nil }
        while bytes + index.bytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            entries[oldest.key] = nil
        }
        entries[organizationID] = (index, uses)
        return index
    }

    /// Reads the ready chunks' vectors in batches; `nil` as soon as they outgrow the budget.
    private func load(organizationID: UUID, model: String, version: Int64, database: Connection) throws -> Index? {
        var index = Index(version: version, model: model, dimension: 0)
        var after: Int64 = 0
        while true {
            let rows = try database.query("""
                SELECT c.id, c.source_id, s.kind, c.embedding FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
                WHERE c.organization_id = ? AND s.status = 'ready' AND c.embedding_model = ? AND c.id > ?
                ORDER BY c.id LIMIT ?
                """, [organizationID.databaseValue, .text(model), .int(after), .int(Int64(Self.loadBatch))])
            for row in rows {
                let id = try row.decode(Int64.self, "id")
                after = id
                guard let vector = Embedding(model: model, bytes: try row.decode([UInt8].self, "embedding"))?.vector,
                      !vector.isEmpty else { continue }
                if index.dimension == 0 { index.dimension = vector.count }
                // Vectors of another length cannot be compared with the query's; skipped, as cosine would.
                guard vector.count == index.dimension,
                      let kind = KnowledgeSource.Kind(rawValue: try row.decode(String.self, "kind")) else { continue }
                index.lanes += Index.unitLanes(vector)
                index.chunkIDs.append(id)
                index.sourceIDs.append(try row.decode(UUID.self, "source_id"))
                index.kinds.append(kind)
            }
            if index.bytes > capacityBytes { return nil }
            if rows.count < Self.loadBatch { return index }
        }
    }
}
