import Foundation
import Testing

/// `Tests/Fixtures/fake_openai_server.py`: a stand-in OpenAI-compatible model server.
final class FakeOpenAIServer: LoopbackFixtureServer {
    init(apiKey: String? = nil) throws {
        try super.init(script: "fake_openai_server.py", arguments: apiKey.map { ["--api-key", $0] } ?? [])
    }
}

@Suite struct EnrichmentFakeServerTests {
    @Test func fixtureExitsWhenItsStdinCloses() throws {
        let server = try FakeOpenAIServer()
        #expect(server.port > 0)
        #expect(server.isRunning)
        server.stop()
        #expect(!server.isRunning)
    }
}
