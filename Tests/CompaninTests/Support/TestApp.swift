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
    static let blobDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("companin-tests-blobs")

    let database: Connection
    let app: CompaninApp
    let organizationID: UUID
    let secret: String
    /// The id of the key `send` uses by default.
    let keyID: UUID
    /// This "host's" limiter table.
    let limiter: RateLimiter

    /// `leases`: count limits across hosts (scope `cluster`); `host`: another host of the same
    /// organization (a connection and a limiter of its own, the same key).
    init(
        rateLimitPerHour: Int = 1_000, authenticators: [any Authenticator] = [], leases: QuotaLeases? = nil,
        analyticsReads: AnalyticsReads? = nil, sameOrganizationAs host: TestApp? = nil
    ) throws {
        database = try StoreTestDatabase.migratedConnection()
        if let host {
            organizationID = host.organizationID
            secret = host.secret
            keyID = host.keyID
        } else {
            let organization = try OrganizationStore(database: database).create(name: "in-process \(UUID().uuidString.prefix(8))")
            organizationID = organization.id
            let created = try APIKeyStore(database: database).create(
                organizationID: organization.id, .init(name: "tests", scopes: [.admin]))
            secret = created.secret
            keyID = created.key.id
        }
        let knowledge = KnowledgeConfiguration(
            blobDirectory: Self.blobDirectory, maxUploadBytes: 1 << 20, enricher: LocalEnricher(), extractorExecutable: "/bin/false",
            fetchPolicy: FetchPolicy())
        limiter = try RateLimiter.makePrivate(capacity: 64)
        app = CompaninApp(
            database: database,
            rateLimiting: .init(limiter: limiter, defaultPerHour: rateLimitPerHour, leases: leases),
            knowledge: knowledge, sessions: .standard, replyModel: nil, maxJSONBodyBytes: 1 << 20, authenticators: authenticators,
            analyticsReads: analyticsReads, logger: Self.logger)
    }

    /// The organization's scoped connection, as its stores see it.
    var db: ScopedConnection { database.organization(organizationID) }

    /// Another key of this organization: its secret and id.
    func addKey(
        name: String = "another", scopes: Set<AccessScope> = [.admin], assistantID: UUID? = nil, isOperator: Bool = false
    ) throws -> (secret: String, id: UUID) {
        let created = try APIKeyStore(database: database).create(
            organizationID: organizationID, .init(name: name, scopes: scopes, assistantID: assistantID, isOperator: isOperator))
        return (created.secret, created.key.id)
    }

    /// A key of a new organization (an operator's when asked), with a limit no test reaches: for
    /// calls through this application on behalf of someone else.
    func newOrganizationKey(isOperator: Bool = false) throws -> (organizationID: UUID, secret: String, id: UUID) {
        let organizations = OrganizationStore(database: database)
        let organization = try organizations.create(name: "in-process other \(UUID().uuidString.prefix(8))")
        _ = try organizations.setRateLimit(organization.id, perHour: 1_000_000)
        let created = try APIKeyStore(database: database).create(
            organizationID: organization.id, .init(name: "other", scopes: [.admin], isOperator: isOperator))
        return (organization.id, created.secret, created.key.id)
    }

    /// Sends a request with this organization's key (or `key`), a JSON body when given.
    func send(
        _ method: HTTPMethod, _ path: String, query: String = "", json: String? = nil, headers: [String: String] = [:],
        key: String? = nil
    ) -> TestResponse {
        var allHeaders = headers
        if json != nil { allHeaders["Content-Type"] = "application/json" }
        return send(method, path, query: query, body: Data((json ?? "").utf8), headers: allHeaders, key: key)
    }

    /// Sends a request with a body as given.
    func send(
        _ method: HTTPMethod, _ path: String, query: String = "", body: Data, headers: [String: String] = [:], key: String? = nil
    ) -> TestResponse {
        var requestHeaders = HTTPHeaders()
        // A bearer token in `headers` stands instead of the key.
        if headers["Authorization"] == nil { requestHeaders.set("X-API-Key", key ?? secret) }
        for (name, value) in headers { requestHeaders.set(name, value) }
        let request = Request(
            method: method, path: path, query: query, headers: requestHeaders, remoteAddress: "127.0.0.1", body: body)
        let response = app.respond(to: request)
        app.afterResponse()
        return TestResponse(response: response)
    }

    /// POSTs `multipart/form-data`: `file` with its name and bytes, then the other fields as text.
    func upload(
        _ path: String, filename: String, _ content: [UInt8], fields: KeyValuePairs<String, String> = [:], key: String? = nil
    ) -> TestResponse {
        let boundary = "companin-tests-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n".utf8)
        body += Data("Content-Type: application/octet-stream\r\n\r\n".utf8) + content + Data("\r\n".utf8)
        for (name, value) in fields {
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Data("--\(boundary)--\r\n".utf8)
        return send(.post, path, body: body, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"], key: key)
    }

    /// Ingests this organization's pending Q&A pairs here and now, as an ingest worker would with
    /// the hashed model (a pair needs no extractor): they become `ready` and searchable. Like a
    /// worker's, the session reads committed rows, so tests storing chunks at once do not deadlock.
    func ingestPendingPairs() throws {
        var configuration = try DatabaseConfiguration(url: StoreTestDatabase.url ?? "")
        configuration.isolation = .readCommitted
        let db = Connection(configuration: configuration, logger: Self.logger).organization(organizationID)
        let processor = SourceProcessor(
            blobs: BlobStore(directory: Self.blobDirectory), runner: ExtractionRunner(executable: "/bin/false"),
            enricher: LocalEnricher(), chunker: Chunker(), fetcher: Fetcher(policy: FetchPolicy()))
        let store = KnowledgeStore(db: db)
        for source in try store.list(kind: .qa, status: .pending, Pagination(limit: 1_000, offset: 0)).items {
            try store.markProcessing(source.id)
            try processor.store(try processor.process(source, in: db), for: source, in: db)
        }
        try db.execute("DELETE FROM ingestion_jobs WHERE \(db.condition)")
    }

    /// Writes the request log rows this process still holds (a responder does so after a batch
    /// fills or ages; tests read them at once).
    func flushRequestLog() {
        app.shutdown()
    }
}

struct TestResponse {
    let response: Response

    var status: Int { response.status.code }
    var json: JSONValue { (try? JSONValue.parse(response.body)) ?? .null }
    subscript(_ key: String) -> JSONValue? { json.objectValue?[key] }
    func header(_ name: String) -> String? { response.headers[name] }

    /// The `id` of the object answered, as text ("" when there is none).
    var id: String { self["id"]?.stringValue ?? "" }
    /// `items` of a page.
    var items: [JSONValue] { self["items"]?.arrayValue ?? [] }
    /// The `loc` of every problem of a `422`, in order.
    var locations: [JSONValue] { self["detail"]?.arrayValue?.compactMap { $0.objectValue?["loc"] } ?? [] }
}

extension JSONValue {
    /// A member of an object (`nil` for other values).
    subscript(_ key: String) -> JSONValue? { objectValue?[key] }

    /// The value as an integer (`nil` for other values).
    var int: Int64? { if case .int(let value) = self { value } else { nil } }

    /// The value with every whole `double` as an `int`: JSON does not tell `50` from `50.0`.
    var normalized: JSONValue {
        switch self {
        case .double(let value) where value.rounded() == value && abs(value) < 1e15: .int(Int64(value))
        case .array(let items): .array(items.map(\.normalized))
        case .object(let members): .object(members.mapValues(\.normalized))
        default: self
        }
    }
}
