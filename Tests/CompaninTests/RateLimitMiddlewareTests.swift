import Foundation
import HTTP
import Logging
import MariaDB
import RateLimiter
import Testing

@testable import Companin

/// The limiter middleware in-process: no socket and no database (refusals wait in the breach log).
@Suite struct RateLimitMiddlewareTests {
    let organization = UUID()
    let key = UUID()

    func application(limiter: RateLimiter, breaches: BreachLog) -> Application<AppContext> {
        var router = Router<AppContext>()
        router.get("/api/v1/ping") { _, _ in Response(status: .ok) }
        return Application(middleware: [RateLimitMiddleware(limiter: limiter, defaultPerHour: 3, breaches: breaches)], router: router)
    }

    func context(limit: Int?) throws -> AppContext {
        let database = Connection(
            configuration: try DatabaseConfiguration(url: "mariadb://nobody@localhost/none"),
            logger: Logger(label: "test"))
        let context = AppContext(requestID: "r", logger: Logger(label: "test"), database: database)
        context.principal = Principal(keyID: key, organizationID: organization, rateLimitPerHour: limit)
        return context
    }

    @Test func admitsTheLimitThenRefusesWithHeadersAndRecordsEachRefusal() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        let breaches = BreachLog(logger: Logger(label: "test"))
        let app = application(limiter: limiter, breaches: breaches)
        let request = Request(method: .get, path: "/api/v1/ping", remoteAddress: "127.0.0.1")

        for remaining in [2, 1, 0] {
            let response = app.respond(to: request, context: try context(limit: nil))
            #expect(response.status == .ok)
            #expect(response.headers["X-RateLimit-Limit"] == "3")
            #expect(response.headers["X-RateLimit-Remaining"] == "\(remaining)")
            #expect(response.headers["RateLimit-Policy"] == "\"org-hourly\";q=3;w=3600")
            #expect(response.headers["RateLimit"] == "\"org-hourly\";r=\(remaining);t=\(response.headers["X-RateLimit-Reset"]!)")
        }
        let refused = app.respond(to: request, context: try context(limit: nil))
        #expect(refused.status == .tooManyRequests)
        #expect(try JSONValue.parse(refused.body) == .object(["detail": .string("Rate limit exceeded")]))
        #expect(refused.headers["Retry-After"] == "1200")
        #expect(refused.headers["X-RateLimit-Remaining"] == "0")
        #expect(refused.headers["X-RateLimit-Reset"] == "3600")
        #expect(breaches.pendingCount == 1)
    }

    @Test func theOrganizationsOwnLimitWins() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        let app = application(limiter: limiter, breaches: BreachLog(logger: Logger(label: "test")))
        let response = app.respond(to: Request(method: .get, path: "/api/v1/ping"), context: try context(limit: 500))
        #expect(response.headers["X-RateLimit-Limit"] == "500")
        #expect(response.headers["X-RateLimit-Remaining"] == "499")
    }

    @Test func errorResponsesCarryTheHeadersToo() throws {
        let limiter = try RateLimiter.makePrivate(capacity: 64)
        let app = application(limiter: limiter, breaches: BreachLog(logger: Logger(label: "test")))
        let response = app.respond(to: Request(method: .get, path: "/api/v1/missing"), context: try context(limit: nil))
        #expect(response.status == .notFound)
        #expect(response.headers["X-RateLimit-Remaining"] == "2")
    }
}
