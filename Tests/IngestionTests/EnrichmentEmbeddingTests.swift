import Ingestion
import Testing

@Suite struct EnrichmentEmbeddingTests {
    @Test func encodesLittleEndianFloat32() {
        let embedding = Embedding(model: "m", vector: [1, -2, 0.5])
        #expect(embedding.dimension == 3)
        #expect(embedding.encoded() == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F])
    }

    @Test func roundTripsEveryBitPattern() {
        let vector: [Float] = [
            0, -0.0, 1, -1, .pi, 1e-38, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            .infinity, -.infinity, .nan, 0.1,
        ]
        let decoded = Embedding(model: "companin-hash-384-v1", bytes: Embedding(model: "x", vector: vector).encoded())
        #expect(decoded?.model == "companin-hash-384-v1")
        #expect(decoded?.vector.map(\.bitPattern) == vector.map(\.bitPattern))
        #expect(Embedding(model: "m", bytes: [])?.vector == [])
    }

    @Test func refusesALengthThatIsNotAMultipleOfFour() {
        #expect(Embedding(model: "m", bytes: [1, 2, 3]) == nil)
        #expect(Embedding(model: "m", bytes: [1, 2, 3, 4, 5]) == nil)
    }

    @Test func cosineOfKnownVectors() {
        #expect(Embedding.cosine([1, 0], [1, 0]) == 1)
        #expect(Embedding.cosine([1, 0], [-2, 0]) == -1)
        #expect(Embedding.cosine([1, 0], [0, 3]) == 0)
        #expect(abs(Embedding.cosine([1, 1], [1, 0]) - 0.70710677) < 1e-6)
        #expect(abs(Embedding.cosine([3, 4], [6, 8]) - 1) < 1e-6)
    }

    @Test func cosineEdgeCasesAreZero() {
        #expect(Embedding.cosine([1, 2], [1, 2, 3]) == 0)
        #expect(Embedding.cosine([], []) == 0)
        #expect(Embedding.cosine([0, 0], [1, 2]) == 0)
        #expect(Embedding.cosine([1, 2], [0, 0]) == 0)
        #expect(Embedding.cosine([.nan, 1], [1, 1]) == 0)
        #expect(Embedding.cosine([.infinity, 1], [1, 1]) == 0)
    }
}
