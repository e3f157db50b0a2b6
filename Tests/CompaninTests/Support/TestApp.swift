import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB
import RateLimiter

@testable import Companin

/// The application in process, over the migrated test database (see `StoreTestDatabase`):
/// requests go through `CompaninApp.respond(to:)` — middleware, router, stores, real MariaDB —
/// without nginx or the pool. Each test gets an organization of its own, so tests share the
/// database without seeing each other's rows.
struct TestApp {
    static var isAvailable: Bool { StoreTestDatabase.isAvailable }
    static let logger = StoreTestDatabase.logger

    let database: Connection
    let app: CompaninApp
    let organizationID: UUID
    let secret: String

    init(rateLimitPerHour: Int = 1_000) throws {
        database = try StoreTestDatabase.migratedConnection()
        let organization = try OrganizationStore(database: database).create(name: "in-process \(UUID().uuidString.prefix(8))")
        organizationID = organization.id
        secret = try APIKeyStore(database: database).create(organizationID: organization.id, name: "tests").secret
        let knowledge = KnowledgeConfiguration(
            blobDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("companin-tests-blobs"),
            maxUploadBytes: 1 << 20, enricher: LocalEnricher(), extractorExecutable: "/bin/false", fetchPolicy: FetchPolicy())
        app = CompaninApp(
            database: database,
            rateLimiting: .init(limiter: try RateLimiter.makePrivate(capacity: 64), defaultPerHour: rateLimitPerHour),
            knowledge: knowledge, sessions: .standard, replyModel: nil, maxJSONBodyBytes: 1 << 20, logger: Self.logger)
    }

    /// The organization's scoped connection, as its stores see it.
    var db: ScopedConnection { database.organization(organizationID) }

    /// Sends a request with this organization's key (or `key`), a JSON body when given.
    func send(
        _ method: HTTPMethod, _ path: String, query: String = "", json: String? = nil, headers: [String: String] = [:],
        key: String? = nil
    ) -> TestResponse {
        var requestHeaders = HTTPHeaders()
        requestHeaders.set("X-API-Key", key ?? secret)
        if json != nil { requestHeaders.set("Content-Type", "application/json") }
        for (name, value) in headers { requestHeaders.set(name, value) }
        let request = Request(
            method: method, path: path, query: query, headers: requestHeaders, remoteAddress: "127.0.0.1",
            body: Data((json ?? "").utf8))
        let response = app.respond(to: request)
        app.afterResponse()
        return TestResponse(response: response)
    }
}

struct TestResponse {
    let response: Response

    var status: Int { response.status.code }
    var json: JSONValue { (try? JSONValue.parse(response.body)) ?? .null }
    subscript(_ key: String) -> JSONValue? { json.objectValue?[key] }
    func header(_ name: String) -> String? { response.headers[name] }
}
