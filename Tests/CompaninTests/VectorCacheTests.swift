import Foundation
import Ingestion
import Testing
@testable import Companin

@Suite struct VectorCacheTests {
    private func index(_ vectors: [[Float]]) -> VectorCache.Index {
        var index = VectorCache.Index(version: 1, model: "m", dimension: vectors.first?.count ?? 0)
        for (row, vector) in vectors.enumerated() {
            index.chunkIDs.append(Int64(row + 1))
            index.sourceIDs.append(UUID())
            index.kinds.append(.qa)
            index.lanes += VectorCache.Index.unitLanes(vector)
        }
        return index
    }

    @Test func similaritiesAreTheCosinesOfTheStoredVectors() {
        // 11 components: one whole lane and a padded one.
        let vectors: [[Float]] = [
            [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            [-1, 0.5, 0, 0, 3, -2, 1, 1, 0, 0, 7],
            Array(repeating: 0, count: 11),
            [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        ]
        let query: [Float] = [0.3, -1, 2, 0, 0, 1, 1, 5, -3, 0.25, 2]
        let scored = index(vectors).similarities(to: query) { _ in true }
        #expect(scored.map(\.id) == [1, 2, 3, 4])
        for (row, vector) in vectors.enumerated() {
            #expect(abs(scored[row].similarity - Embedding.cosine(query, vector)) < 1e-5)
        }
        #expect(scored[2].similarity == 0)
    }

    @Test func onlyIncludedRowsAreScoredAndAMismatchedQueryScoresNothing() {
        let cache = index([[1, 0], [0, 1], [1, 1]])
        #expect(cache.similarities(to: [1, 0]) { $0 != 1 }.map(\.id) == [1, 3])
        #expect(cache.similarities(to: [1, 0, 0]) { _ in true }.isEmpty)
        #expect(cache.similarities(to: [0, 0]) { _ in true }.allSatisfy { $0.similarity == 0 })
    }

    @Test func aVectorScoresOneWithItselfWhateverItsLength() {
        let vector: [Float] = (0..<384).map { Float(($0 * 37) % 11) - 5 }
        let scored = index([vector, vector.map { $0 * 1_000 }]).similarities(to: vector) { _ in true }
        #expect(scored.allSatisfy { abs($0.similarity - 1) < 1e-5 })
    }
}
