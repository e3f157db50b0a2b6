import Foundation
import HTTP
import Logging
import Testing

struct TestContext: RequestContext {
    var requestID = "test-request"
    var logger = Logger(label: "test")
    var parameters = Parameters()
    var routeTemplate: String?
}

@Suite struct RouterTests {
    func router() -> Router<TestContext> {
        var router = Router<TestContext>()
        router.get("/api/v1/assistants/") { _, _ in Response(status: .ok, body: Data("list".utf8)) }
        router.post("/api/v1/assistants/") { _, _ in Response(status: .created) }
        router.get("/api/v1/assistants/:assistant_id") { _, context in
            Response(body: Data("get \(try context.parameters.require("assistant_id")) \(context.routeTemplate ?? "")".utf8))
        }
        router.delete("/api/v1/assistants/:assistant_id") { _, _ in .noContent }
        router.get("/api/v1/assistants/:assistant_id/versions/:version") { _, context in
            Response(body: Data("\(context.parameters["assistant_id"]!)/\(context.parameters["version"]!)".utf8))
        }
        return router
    }

    func respond(_ method: HTTPMethod, _ path: String) -> Response {
        Application(router: router()).respond(to: Request(method: method, path: path), context: TestContext())
    }

    @Test func servesWithAndWithoutTrailingSlash() {
        #expect(String(decoding: respond(.get, "/api/v1/assistants/").body, as: UTF8.self) == "list")
        #expect(String(decoding: respond(.get, "/api/v1/assistants").body, as: UTF8.self) == "list")
        #expect(
            String(decoding: respond(.get, "/api/v1/assistants/abc/").body, as: UTF8.self)
                == "get abc /api/v1/assistants/:assistant_id")
    }

    @Test func capturesSeveralParameters() {
        #expect(String(decoding: respond(.get, "/api/v1/assistants/a1/versions/3").body, as: UTF8.self) == "a1/3")
    }

    @Test func unknownPathIsNotFoundInDetailShape() throws {
        let response = respond(.get, "/api/v1/nothing")
        #expect(response.status == .notFound)
        #expect(try JSONValue.parse(response.body) == .object(["detail": .string("Not Found")]))
        #expect(respond(.get, "/api/v1//assistants").status == .notFound)
        #expect(respond(.get, "/api/v1/assistants/a/b").status == .notFound)
    }

    @Test func wrongMethodIs405WithAllow() throws {
        let response = respond(.put, "/api/v1/assistants/abc")
        #expect(response.status == .methodNotAllowed)
        #expect(response.headers["Allow"] == "GET, DELETE")
        #expect(try JSONValue.parse(response.body) == .object(["detail": .string("Method Not Allowed")]))
    }

    @Test func headIsServedByGetWithoutBody() {
        let response = respond(.head, "/api/v1/assistants/")
        #expect(response.status == .ok)
        #expect(response.body.isEmpty)
    }

    @Test func everyResponseCarriesTheRequestID() {
        #expect(respond(.get, "/api/v1/assistants/").headers["X-Request-ID"] == "test-request")
        #expect(respond(.get, "/nowhere").headers["x-request-id"] == "test-request")
    }
}

@Suite struct MiddlewareTests {
    struct Tagging: Middleware {
        let tag: String
        func handle(_ request: Request, context: TestContext, next: (Request, TestContext) throws -> Response) throws -> Response {
            var response = try next(request, context)
            response.headers.add("X-Trace", tag)
            return response
        }
    }

    struct Refusing: Middleware {
        func handle(_ request: Request, context: TestContext, next: (Request, TestContext) throws -> Response) throws -> Response {
            guard request.headers["X-API-Key"] == "ok" else { throw HTTPError.unauthorized }
            return try next(request, context)
        }
    }

    @Test func runsInListOrderAndSeesErrorsAsResponses() throws {
        var router = Router<TestContext>()
        router.get("/x") { _, _ in Response() }
        let app = Application(middleware: [Tagging(tag: "outer"), Refusing(), Tagging(tag: "inner")], router: router)

        let refused = app.respond(to: Request(method: .get, path: "/x"), context: TestContext())
        #expect(refused.status == .unauthorized)
        #expect(refused.headers.values(for: "X-Trace") == ["outer"])
        #expect(try JSONValue.parse(refused.body) == .object(["detail": .string("Unauthorized")]))

        let passed = app.respond(to: Request(method: .get, path: "/x", headers: ["X-API-Key": "ok"]), context: TestContext())
        #expect(passed.status == .ok)
        #expect(passed.headers.values(for: "X-Trace") == ["inner", "outer"])
    }

    @Test func unexpectedErrorsAre500WithoutDetails() throws {
        struct Boom: Error {}
        var router = Router<TestContext>()
        router.get("/boom") { _, _ in throw Boom() }
        let response = Application(router: router).respond(to: Request(method: .get, path: "/boom"), context: TestContext())
        #expect(response.status == .internalServerError)
        #expect(try JSONValue.parse(response.body) == .object(["detail": .string("Internal Server Error")]))
    }
}
