import Foundation
import Ingestion
import Testing

@testable import Companin

@Suite struct KnowledgeIndexTests {
    private func index(_ vectors: [[Float]?]) -> KnowledgeIndex {
        var index = KnowledgeIndex(version: 1, model: "m")
        for (row, vector) in vectors.enumerated() {
            index.append(
                chunkID: Int64(row + 1), sourceID: UUID(), kind: .qa, vector: vector, words: .analyzed(terms: ["t\(row)"], language: nil))
        }
        return index
    }

    @Test func chunksWithoutAVectorOfTheModelAreIndexedButNotCompared() {
        let index = index([[1, 0], nil, [0, 1], [1, 0, 0]])
        #expect(index.count == 4 && index.dimension == 2 && index.lexical.count == 4)
        #expect(index.vectorSlots == [0, -1, 1, -1])
        #expect(index.similarities(to: [0, 1]) { _ in true }.map(\.position) == [0, 2])
        #expect(index.lexical.documentFrequency("t1") == 1)
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
        #expect(scored.map(\.position) == [0, 1, 2, 3])
        for (row, vector) in vectors.enumerated() {
            #expect(abs(scored[row].similarity - Embedding.cosine(query, vector)) < 1e-5)
        }
        #expect(scored[2].similarity == 0)
    }

    @Test func onlyIncludedRowsAreScoredAndAMismatchedQueryScoresNothing() {
        let cache = index([[1, 0], [0, 1], [1, 1]])
        #expect(cache.similarities(to: [1, 0]) { $0 != 1 }.map(\.position) == [0, 2])
        #expect(cache.similarities(to: [1, 0, 0]) { _ in true }.isEmpty)
        #expect(cache.similarities(to: [0, 0]) { _ in true }.allSatisfy { $0.similarity == 0 })
    }

    @Test func aVectorScoresOneWithItselfWhateverItsLength() {
        let vector: [Float] = (0..<384).map { Float(($0 * 37) % 11) - 5 }
        let scored = index([vector, vector.map { $0 * 1_000 }]).similarities(to: vector) { _ in true }
        #expect(scored.allSatisfy { abs($0.similarity - 1) < 1e-5 })
    }
}
