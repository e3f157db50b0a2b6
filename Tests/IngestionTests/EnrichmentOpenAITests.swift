import Foundation
import Ingestion
import Testing

@Suite struct EnrichmentOpenAITests {
    static func enricher(
        _ server: FakeOpenAIServer, apiKey: String? = "k", model: String = "test-embed",
        chatModel: String? = "test-chat", batchSize: Int = 64
    ) -> OpenAICompatibleEnricher {
        OpenAICompatibleEnricher(
            configuration: .init(
                baseURL: server.baseURL, apiKey: apiKey, embeddingModel: model, chatModel: chatModel,
                timeout: .seconds(10), embeddingBatchSize: batchSize))
    }

    @Test func embedsInOrderAndRecordsTheModel() throws {
        let server = try FakeOpenAIServer(apiKey: "k")
        defer { server.stop() }
        let enricher = Self.enricher(server)
        #expect(enricher.embeddingModel == "test-embed")

        let texts = ["primeiro texto", "second text", "tercer texto", ""]
        let embeddings = try enricher.embed(texts)
        #expect(embeddings.count == 4)
        for embedding in embeddings {
            #expect(embedding.model == "test-embed")
            #expect(embedding.dimension == 8)
        }
        #expect(Set(embeddings.map(\.vector)).count == 4)
        // The server answers in reverse order; the client sorts by index.
        for (index, text) in texts.enumerated() {
            #expect(try enricher.embed([text]) == [embeddings[index]])
        }
        #expect(try enricher.embed(texts.reversed()) == embeddings.reversed())
        #expect(try enricher.embed([]).isEmpty)
    }

    @Test func batchesLargeInputs() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        let texts = (0..<7).map { "text number \($0)" }
        let batched = try Self.enricher(server, apiKey: nil, batchSize: 2).embed(texts)
        let whole = try Self.enricher(server, apiKey: nil).embed(texts)
        #expect(batched.count == 7)
        #expect(batched == whole)
    }

    @Test func honoursTheModel() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        let first = try Self.enricher(server, model: "model-a").embed(["same text"])[0]
        let second = try Self.enricher(server, model: "model-b").embed(["same text"])[0]
        #expect(first.model == "model-a")
        #expect(second.model == "model-b")
        #expect(first.vector != second.vector)
    }

    @Test func acceptsABaseURLEndingInV1() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        let enricher = OpenAICompatibleEnricher(configuration: .init(baseURL: server.baseURL + "/v1/", embeddingModel: "m"))
        #expect(try enricher.embed(["x"])[0].dimension == 8)
    }

    @Test func summarizesThroughChatCompletions() throws {
        let server = try FakeOpenAIServer(apiKey: "k")
        defer { server.stop() }
        let text = "Companin organiza assistentes, conhecimento e conversas para equipes de atendimento ao cliente."
        // The server echoes the first 60 characters of the user message; the client trims the
        // answer's surrounding whitespace.
        func expected(_ message: String) -> String {
            ("Summary: " + message.prefix(60)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try Self.enricher(server).summarize(text, title: nil) == expected(text))
        #expect(try Self.enricher(server).summarize(text, title: "Sobre") == expected("Title: Sobre\n\n" + text))
        #expect(try Self.enricher(server).summarize("  \n", title: nil) == "")
    }

    @Test func withoutAChatModelSummariesAndKeywordsAreLocal() throws {
        // No server at all: nothing here may touch the network.
        let enricher = OpenAICompatibleEnricher(
            configuration: .init(
                baseURL: "http://127.0.0.1:9", embeddingModel: "m", chatModel: nil))
        let text = """
            Solar panels convert sunlight into electricity. Panels on a roof lower the electricity bill. \
            Batteries store the electricity for the night. Cloudy days reduce what the panels produce.
            """
        let local = LocalEnricher()
        #expect(try enricher.summarize(text, title: "Solar") == local.summarize(text, title: "Solar"))
        #expect(try enricher.keywords(text, limit: 5) == local.keywords(text, limit: 5))
    }

    @Test func aWrongKeyIsAnHTTP401Error() throws {
        let server = try FakeOpenAIServer(apiKey: "right-key")
        defer { server.stop() }
        for key in ["wrong-key", nil] {
            let enricher = Self.enricher(server, apiKey: key)
            do {
                _ = try enricher.embed(["hello"])
                Issue.record("expected a 401")
            } catch let error as EnrichmentError {
                #expect(error.code == .httpStatus)
                #expect(error.httpStatus == 401)
                #expect(!error.description.contains("wrong-key"))
                #expect(!error.description.contains("right-key"))
            }
            #expect(throws: EnrichmentError.self) { try enricher.summarize("Some text to summarize.", title: nil) }
        }
    }

    @Test func aStoppedServerIsAConnectionError() throws {
        let server = try FakeOpenAIServer()
        let enricher = Self.enricher(server, apiKey: "sk-secret")
        #expect(try enricher.embed(["up"]).count == 1)
        server.stop()
        do {
            _ = try enricher.embed(["down"])
            Issue.record("expected a connection error")
        } catch let error as EnrichmentError {
            #expect(error.code == .connection)
            #expect(error.httpStatus == nil)
            #expect(error.description.contains("127.0.0.1"))
            #expect(!error.description.contains("sk-secret"))
        }
    }

    @Test func unknownEndpointIsAnHTTPError() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        // The fake server's 404 body carries an OpenAI-style message, which the error keeps.
        let enricher = OpenAICompatibleEnricher(configuration: .init(baseURL: server.baseURL + "/nowhere", embeddingModel: "m"))
        #expect {
            _ = try enricher.embed(["x"])
        } throws: { error in
            guard let error = error as? EnrichmentError else { return false }
            return error.code == .httpStatus && error.httpStatus == 404 && error.message.contains("no such endpoint")
        }
    }

    @Test func aBaseURLThatIsNotHTTPIsAConfigurationError() {
        let enricher = OpenAICompatibleEnricher(configuration: .init(baseURL: "file:///etc", embeddingModel: "m"))
        #expect {
            _ = try enricher.embed(["x"])
        } throws: { error in
            (error as? EnrichmentError)?.code == .configuration
        }
    }
}
