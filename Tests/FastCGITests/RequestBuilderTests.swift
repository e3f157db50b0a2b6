import HTTP
import Testing

@testable import FastCGI

@Suite struct RequestBuilderTests {
    @Test func paramsBecomeARequest() {
        let request = FastCGIRequestBuilder.request(from: [
            "REQUEST_METHOD": "PATCH",
            "REQUEST_URI": "/api/v1/assistants/a%20b?limit=5&x=%2F",
            "DOCUMENT_URI": "/api/v1/assistants/a b",
            "QUERY_STRING": "limit=5&x=%2F",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "17",
            "HTTP_X_API_KEY": "cmp_secret",
            "HTTP_USER_AGENT": "curl/8",
            "HTTP_ACCEPT_LANGUAGE": "pt-BR",
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_ID": "abc123",
            "SERVER_SOFTWARE": "nginx",
        ])
        #expect(request.method == .patch)
        #expect(request.path == "/api/v1/assistants/a b")
        #expect(request.query == "limit=5&x=%2F")
        #expect(request.queryValue("x") == "/")
        #expect(request.headers["X-API-Key"] == "cmp_secret")
        #expect(request.headers["user-agent"] == "curl/8")
        #expect(request.headers["Accept-Language"] == "pt-BR")
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.headers["Content-Length"] == "17")
        #expect(request.mediaType == "application/json")
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.upstreamRequestID == "abc123")
        #expect(!request.headers.contains("Server-Software"))
        #expect(Set(request.headers.fields.map(\.name)).isSuperset(of: ["X-Api-Key", "User-Agent", "Accept-Language"]))
        #expect(FastCGIRequestBuilder.headerName(fromParameter: "HTTP_X_B2B_ID") == "X-B2b-Id")
    }

    @Test func requestURIIsTheFallbackForThePath() {
        let request = FastCGIRequestBuilder.request(from: [
            "REQUEST_METHOD": "get", "REQUEST_URI": "/api/v1/caf%C3%A9/?a=1",
        ])
        #expect(request.method == .get)
        #expect(request.path == "/api/v1/café/")
        #expect(request.query == "a=1")
        #expect(request.remoteAddress == nil)
        #expect(request.upstreamRequestID == nil)
    }

    @Test func environmentEntriesSplitAtTheFirstEqualsSignByBytes() {
        let params = FastCGIRequestBuilder.parameters(fromEnvironment: [
            "QUERY_STRING=a=b&c=d", "HTTP_X_NOTE=\u{301}accent first", "NO_EQUALS", "EMPTY=", "REQUEST_METHOD=GET", "REQUEST_METHOD=POST",
        ])
        #expect(params == ["QUERY_STRING": "a=b&c=d", "HTTP_X_NOTE": "\u{301}accent first", "EMPTY": "", "REQUEST_METHOD": "POST"])
    }

    @Test func emptyParamsDoNotBecomeHeaders() {
        let request = FastCGIRequestBuilder.request(from: ["CONTENT_TYPE": "", "CONTENT_LENGTH": "", "REQUEST_URI": "/"])
        #expect(request.headers.fields.isEmpty)
        #expect(request.mediaType == nil)
    }
}
