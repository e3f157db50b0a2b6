import Ingestion
import Testing

@Suite struct EnrichmentHTTPClientTests {
    let client = HTTPClient()

    func post(_ url: String, maxResponseBytes: Int = 4 << 20, headers: [(String, String)] = []) throws -> (status: Int, body: [UInt8]) {
        try client.post(
            url: url, headers: headers, body: Array(#"{"model":"m","input":["a"]}"#.utf8),
            timeout: .seconds(10), maxResponseBytes: maxResponseBytes)
    }

    func expectError(_ kind: HTTPClientError.Kind, _ body: () throws -> Void) {
        #expect {
            try body()
        } throws: { error in
            (error as? HTTPClientError)?.kind == kind
        }
    }

    @Test func postsAndReturnsStatusAndBody() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        let response = try post(server.baseURL + "/v1/embeddings", headers: [("Content-Type", "application/json")])
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self).contains("\"embedding\""))
        let empty = try client.post(
            url: server.baseURL + "/v1/embeddings", headers: [], body: [],
            timeout: .seconds(10), maxResponseBytes: 1 << 20)
        #expect(empty.status == 400)
    }

    @Test func doesNotFollowRedirects() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        let response = try post(server.baseURL + "/redirect")
        #expect(response.status == 302)
        #expect(response.body.isEmpty)
    }

    @Test func capsTheResponseBody() throws {
        let server = try FakeOpenAIServer()
        defer { server.stop() }
        // Announced by Content-Length, and streamed without one: both stop at the limit.
        for path in ["/large", "/stream"] {
            expectError(.responseTooLarge) { _ = try post(server.baseURL + path, maxResponseBytes: 100_000) }
            let whole = try post(server.baseURL + path, maxResponseBytes: 1 << 20)
            #expect(whole.status == 200)
            #expect(whole.body.count == 1 << 20)
        }
    }

    @Test func onlyHTTPAndHTTPSAreAllowed() {
        for url in ["file:///etc/passwd", "ftp://127.0.0.1/", "gopher://127.0.0.1/", "dict://127.0.0.1/"] {
            expectError(.unsupportedProtocol) { _ = try post(url) }
        }
        expectError(.invalidRequest) { _ = try post("http://") }
    }

    @Test func refusesHeaderInjection() {
        expectError(.invalidRequest) { _ = try post("http://127.0.0.1:9/", headers: [("X-A", "b\r\nX-Evil: 1")]) }
        expectError(.invalidRequest) { _ = try post("http://127.0.0.1:9/", headers: [("X-A: b", "c")]) }
    }

    @Test func connectionRefusedIsAConnectionErrorWithCurlsExplanation() throws {
        let server = try FakeOpenAIServer()
        let url = server.baseURL + "/v1/embeddings"
        server.stop()
        do {
            _ = try post(url)
            Issue.record("expected an error")
        } catch let error as HTTPClientError {
            #expect(error.kind == .connection)
            #expect(error.curlCode == 7)
            #expect(error.message.contains("Couldn't connect to server"))
        }
    }
}
