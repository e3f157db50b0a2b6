import Foundation
import HTTP
import Testing

@testable import Companin

/// Per-endpoint behaviour of the analytics API, in process: the request log this application
/// writes (flushed at once, where a responder waits for a batch), usage, the endpoint mix,
/// throttling, keys, satisfaction and knowledge figures. Rows written by many responders, their
/// rollups, exact figures over hand-made ranges and partition pruning are tested end to end.
@Suite("Analytics API in process", .enabled(if: TestApp.isAvailable))
struct AnalyticsAPITests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    /// Key a1 (the app's own) makes 5 requests, a2 makes 2; `reader` is the key that asks.
    private func workload() throws -> (a2: UUID, reader: String) {
        for _ in 0..<3 {
            #expect(app.send(.get, "/api/v1/assistants/", headers: ["User-Agent": "analytics-test/1"]).status == 200)
        }
        #expect(app.send(.get, "/api/v1/assistants/\(UUID())").status == 404)
        #expect(app.send(.post, "/api/v1/assistants/", json: "{}").status == 422)
        let a2 = try app.addKey(name: "a2")
        for name in ["One", "Two"] {
            #expect(app.send(.post, "/api/v1/assistants/", json: #"{"name": "\#(name)"}"#, key: a2.secret).status == 201)
        }
        app.flushRequestLog()
        return (a2.id, try app.addKey(name: "reader").secret)
    }

    /// Rollups are summed as doubles unless a figure reaches 2^53; then they are summed again
    /// exactly. 2^52 + 1 and 2^52 + 2 add up to an odd number doubles cannot hold.
    @Test func sumsBeyondDoublePrecisionAreStillExact() throws {
        let reader = try app.addKey(name: "reader").secret
        let today = AnalyticsStore.day(containing: .now)
        for (days, bytes) in [(2, "4503599627370497"), (3, "4503599627370498")] {
            try app.db.execute(
                """
                INSERT INTO request_log_daily (organization_id, day, api_key_id, route, method, requests, errors_4xx, errors_5xx,
                    throttled, duration_us_sum, request_bytes, response_bytes)
                VALUES (\(app.db.value), \(today.addingTimeInterval(Double(-days) * 86_400)), \(app.keyID), '/huge', 'POST', 1, 0, 0, 0, 5,
                    \(bytes), 7)
                """)
        }
        let range =
            "from=\(Timestamp.format(today.addingTimeInterval(-4 * 86_400)))&to=\(Timestamp.format(today.addingTimeInterval(-86_400)))"
        let endpoints = app.send(.get, "/analytics/endpoints/", query: range, key: reader)
        #expect(endpoints.status == 200)
        let huge = endpoints.items.first { $0.objectValue?["route"] == "/huge" }?.objectValue
        #expect(huge?["request_bytes"] == .int(9_007_199_254_740_995))
        #expect(huge?["requests"] == .int(2))
        #expect(huge?["response_bytes"] == .int(14))
    }

    @Test func theLogHasARowPerRequestWithItsRouteTemplateStatusAndKey() throws {
        let (a2, reader) = try workload()
        let a1 = app.keyID.uuidString.lowercased()
        let logs = { (query: String) in self.app.send(.get, "/analytics/logs/", query: query, key: reader) }
        let page = logs("api_key_id=\(a1)")
        #expect(page.status == 200 && page["count"] == 5)
        let times = page.items.compactMap { $0["occurred_at"]?.stringValue }
        #expect(times.count == 5 && times == times.sorted(by: >))
        let seen = page.items.map { "\($0["method"]?.stringValue ?? "") \($0["route"]?.stringValue ?? "") \($0["status"]?.int ?? 0)" }
        #expect(
            seen.sorted() == [
                "GET /api/v1/assistants/ 200", "GET /api/v1/assistants/ 200", "GET /api/v1/assistants/ 200",
                "GET /api/v1/assistants/:assistant_id 404", "POST /api/v1/assistants/ 422",
            ])
        let notFound = try #require(page.items.first { $0["status"] == 404 })
        #expect(notFound["path"]?.stringValue?.hasPrefix("/api/v1/assistants/") == true)
        #expect(notFound["organization_id"] == .string(app.organizationID.uuidString.lowercased()) && notFound["api_key_id"] == .string(a1))
        #expect((notFound["request_id"]?.stringValue?.count ?? 0) >= 16 && notFound["throttled"] == false)
        #expect(notFound["client_address"] == "127.0.0.1" && notFound["request_bytes"] == 0)
        #expect(Set(page.items.filter { $0["status"] == 200 }.map { $0["user_agent"] }) == ["analytics-test/1"])
        #expect(page.items.first { $0["status"] == 422 }?["request_bytes"] == 2)

        #expect(logs("api_key_id=\(a1)&status=404")["count"] == 1)
        #expect(logs("api_key_id=\(a1)&method=post")["count"] == 1)
        #expect(logs("api_key_id=\(a1)&route=/api/v1/assistants/:assistant_id")["count"] == 1)
        #expect(logs("api_key_id=\(a2)&min_duration_ms=0")["count"] == 2)
        #expect(logs("api_key_id=\(a2)&min_duration_ms=60000")["count"] == 0)
        let past = ISO8601DateFormatter().string(from: .now.addingTimeInterval(-3_600))
        #expect(logs("api_key_id=\(a1)&to=\(past)")["count"] == 0)
        let limited = logs("api_key_id=\(a1)&limit=2&offset=1")
        #expect(limited["count"] == 5 && limited.items == Array(page.items[1...2]))

        let bad = logs("status=teapot&min_duration_ms=-1&api_key_id=x&from=yesterday")
        #expect(bad.status == 422)
        #expect(Set(bad.locations) == [["query", "from"], ["query", "api_key_id"], ["query", "status"], ["query", "min_duration_ms"]])
        #expect(logs("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z").locations == [["query", "from"]])
    }

    @Test func usageAndTheEndpointMixCountTheRequestsMade() throws {
        let (a2, reader) = try workload()
        let a1 = app.keyID.uuidString.lowercased()
        for granularity in ["hour", "day"] {
            let usage = app.send(.get, "/analytics/usage/", query: "api_key_id=\(a1)&granularity=\(granularity)", key: reader)
            #expect(usage.status == 200 && usage["granularity"] == .string(granularity))
            let totals = try #require(usage["totals"])
            #expect([totals["requests"], totals["errors_4xx"], totals["errors_5xx"], totals["throttled"]] == [5, 2, 0, 0])
            #expect(totals["start"] == .null)
            let buckets = usage["buckets"]?.arrayValue ?? []
            #expect((granularity == "hour" ? 24...25 : 1...2).contains(buckets.count))
            #expect(buckets.compactMap { $0["requests"]?.int }.reduce(0, +) == 5)
            let fields: Set<String> = ["start", "requests", "errors_4xx", "errors_5xx", "throttled", "p50_ms", "p95_ms"]
            #expect(buckets.allSatisfy { Set(($0.objectValue ?? [:]).keys) == fields })
        }
        #expect(app.send(.get, "/analytics/usage/", query: "api_key_id=\(a2)", key: reader)["totals"]?["requests"] == 2)
        let tooLong = app.send(.get, "/analytics/usage/", query: "from=2025-01-01T00:00:00Z&to=2025-12-01T00:00:00Z", key: reader)
        #expect(tooLong.status == 422 && tooLong.locations == [["query", "from"]])
        #expect(app.send(.get, "/analytics/usage/", query: "granularity=minute", key: reader).locations == [["query", "granularity"]])

        let endpoints = app.send(.get, "/analytics/endpoints/", query: "api_key_id=\(a1)", key: reader)
        #expect(endpoints.status == 200 && endpoints["count"] == 3)
        let rows = endpoints.items
        #expect(
            rows.map { [$0["method"], $0["route"], $0["requests"], $0["errors_4xx"]] } == [
                ["GET", "/api/v1/assistants/", 3, 0], ["POST", "/api/v1/assistants/", 1, 1],
                ["GET", "/api/v1/assistants/:assistant_id", 1, 1],
            ])
        #expect(rows.map { $0["error_rate"]?.normalized } == [0, 1, 1])
        #expect(rows.allSatisfy { $0["response_bytes"] != 0 && $0["p50_ms"] != .null })
    }

    @Test func anEmptyBoundIsRefusedNotReadAsAbsent() throws {
        for path in ["/analytics/usage/", "/analytics/logs/", "/analytics/rate-limits/"] {
            for query in ["to=", "from=", "to=&from=2026-01-01T00:00:00Z"] {
                let response = app.send(.get, path, query: query)
                #expect(response.status == 422, "\(path)?\(query): \(response.json)")
                let name = String(query.prefix { $0 != "=" })
                #expect(response.locations == [.array([.string("query"), .string(name)])], "\(path)?\(query): \(response.json)")
            }
        }
        #expect(app.send(.get, "/analytics/usage/", query: "granularity=").locations == [["query", "granularity"]])
        #expect(app.send(.get, "/analytics/usage/", query: "to=2026-01-02T00:00:00Z").status == 200)
    }

    /// The bucket limit is in the contract (on `granularity`, and as the series' `maxItems`) and is
    /// the one enforced: a window of exactly that many hours is served, one hour more is `422`.
    @Test func theBucketLimitIsDocumentedAndEnforced() throws {
        let limit = AnalyticsRoutes.maximumBuckets
        let schemas = APISchemas.all
        for name in ["Usage", "RateLimits", "FeedbackReport"] {
            let buckets = schemas[name]?["properties"]?["buckets"]
            #expect(buckets?["maxItems"] == .int(Int64(limit)), "\(name).buckets: \(String(describing: buckets))")
        }
        for path in ["/analytics/usage/", "/analytics/rate-limits/", "/analytics/feedback/"] {
            let operation = try #require(APIContract.operations.first { $0.method == .get && $0.path == path })
            let granularity = try #require(operation.query.first { $0.name == "granularity" })
            #expect(granularity.description?.contains("at most \(limit) buckets") == true, "\(path)")

            // From half past midnight: the window touches `limit` hours.
            let from = "2026-01-01T00:30:00Z"
            let atLimit = Timestamp.format(try #require(Timestamp.parse(from)).addingTimeInterval(Double(limit - 1) * 3_600))
            let served = app.send(.get, path, query: "from=\(from)&to=\(atLimit)")
            #expect(served.status == 200 && served["buckets"]?.arrayValue?.count == limit, "\(path): \(served.status)")
            let overLimit = Timestamp.format(try #require(Timestamp.parse(atLimit)).addingTimeInterval(3_600))
            let refused = app.send(.get, path, query: "from=\(from)&to=\(overLimit)")
            #expect(refused.status == 422 && refused.locations == [["query", "from"]], "\(path): \(refused.json)")
            #expect(app.send(.get, path, query: "from=\(from)&to=\(overLimit)&granularity=day").status == 200)
        }
    }

    @Test func aPortugueseBodyIsCountedInBytes() throws {
        let body = #"{"name": "Atendimento ao cliente", "description": "Dúvidas sobre devoluções e trocas"}"#
        #expect(body.utf8.count > body.count)
        let created = app.send(.post, "/api/v1/assistants/", json: body)
        #expect(created.status == 201)
        app.flushRequestLog()
        let reader = try app.addKey(name: "reader").secret
        let row = app.send(.get, "/analytics/logs/", query: "method=POST", key: reader).items.first
        #expect(row?["request_bytes"] == .int(Int64(body.utf8.count)))
        #expect(row?["response_bytes"] == .int(Int64(created.response.body.count)))
        let endpoint = app.send(.get, "/analytics/endpoints/", query: "api_key_id=\(app.keyID)", key: reader).items.first
        #expect(endpoint?["request_bytes"] == .int(Int64(body.utf8.count)))
    }

    @Test func throttledRequestsShowInTheLogUsageAndRateLimits() throws {
        let throttled = try TestApp(rateLimitPerHour: 3)
        let statuses = (0..<6).map { _ in throttled.send(.get, "/api/v1/assistants/").status }
        #expect(statuses == [200, 200, 200, 429, 429, 429])
        throttled.flushRequestLog()
        let operatorKey = try throttled.newOrganizationKey(isOperator: true).secret
        let scope = "organization_id=\(throttled.organizationID)"

        let limits = throttled.send(.get, "/analytics/rate-limits/", query: scope, key: operatorKey)
        #expect(limits.status == 200 && limits["throttled"] == 3)
        #expect(limits["keys"] == [["api_key_id": .string(throttled.keyID.uuidString.lowercased()), "requests": 6, "throttled": 3]])
        #expect(limits["live"]?["limit"] == 3 && limits["live"]?["remaining"] == 0)
        let rows = throttled.send(.get, "/analytics/logs/", query: "\(scope)&status=429", key: operatorKey)
        #expect(rows["count"] == 3 && rows.items.allSatisfy { $0["throttled"] == true })
        let usage = throttled.send(.get, "/analytics/usage/", query: scope, key: operatorKey)["totals"]
        #expect([usage?["requests"], usage?["throttled"], usage?["errors_4xx"]] == [6, 3, 3])
        #expect(throttled.send(.get, "/analytics/rate-limits/", query: "organization_id=all", key: operatorKey)["live"] == .null)
        #expect(
            throttled.send(.get, "/analytics/usage/", query: "organization_id=nobody", key: operatorKey).locations == [
                ["query", "organization_id"]
            ])
    }

    @Test func anotherOrganizationsFiguresAreOnlyForOperators() throws {
        _ = try workload()
        let other = try TestApp()
        #expect(other.send(.get, "/api/v1/sessions/").status == 200)
        other.flushRequestLog()
        let a1 = app.keyID.uuidString.lowercased()

        // Neither the rows nor their key id are seen from another organization.
        #expect(other.send(.get, "/analytics/logs/", query: "api_key_id=\(a1)")["count"] == 0)
        let theirs = other.send(.get, "/analytics/logs/", query: "api_key_id=\(other.keyID)")
        #expect(theirs["count"] == 1 && theirs.items.first?["route"] == "/api/v1/sessions/")
        let forbidden = other.send(.get, "/analytics/usage/", query: "organization_id=\(app.organizationID)")
        #expect(forbidden.status == 403)
        #expect(other.send(.get, "/analytics/knowledge/", query: "organization_id=\(app.organizationID)").status == 403)

        let operatorKey = try other.newOrganizationKey(isOperator: true).secret
        #expect(
            other.send(.get, "/analytics/logs/", query: "organization_id=\(app.organizationID)&api_key_id=\(a1)", key: operatorKey)["count"]
                == 5)
        // Without organization_id an operator key sees its own organization, like any key.
        #expect(other.send(.get, "/analytics/logs/", query: "api_key_id=\(a1)", key: operatorKey)["count"] == 0)
    }

    @Test func anUnknownKeyIsLoggedWithoutAnOrganization() throws {
        let marker = "/api/v1/assistants/\(UUID())"
        #expect(app.send(.get, marker, key: "cmp_not-a-real-key").status == 401)
        app.flushRequestLog()
        let logged = try app.database.fetchOne(
            Int.self, "SELECT COUNT(*) FROM request_log WHERE path = \(marker) AND status = 401 AND organization_id IS NULL")
        #expect(logged == 1)
        #expect(app.send(.get, "/analytics/logs/", key: "cmp_not-a-real-key").status == 401)
    }

    @Test func satisfactionKeysAndKnowledgeFigures() throws {
        let web = try app.addKey(name: "web")
        let mobile = try app.addKey(name: "mobile")
        func opened(_ key: String, _ assistant: String) -> String {
            let session = app.send(.post, "/api/v1/sessions/", json: #"{"assistant_id": "\#(assistant)"}"#, key: key).id
            return app.send(
                .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(session)"}"#, key: key
            ).id
        }
        func rate(_ key: String, _ conversation: String, _ rating: Int, _ actor: String, _ comment: String? = nil) {
            let extra = comment.map { #", "comment": "\#($0)""# } ?? ""
            let reply = app.send(
                .post, "/api/v1/conversations/\(conversation)/feedback",
                json: #"{"rating": \#(rating), "actor": {"type": "agent", "id": "\#(actor)"}\#(extra)}"#, key: key)
            #expect(reply.status == 201 || reply.status == 200)
        }
        let first = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Alpha"}"#, key: web.secret).id
        let second = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Beta"}"#, key: web.secret).id
        let alpha = opened(web.secret, first)
        let beta = opened(mobile.secret, second)
        rate(web.secret, alpha, 1, "ana", "Resposta errada")
        rate(web.secret, alpha, 5, "ana", "Ótimo, resolvido")  // replaces ana's first rating
        rate(web.secret, alpha, 4, "bia")
        rate(mobile.secret, beta, 3, "caio", "Mais ou menos")
        rate(mobile.secret, beta, 2, "duda")
        app.flushRequestLog()

        let everything = app.send(.get, "/analytics/feedback/", query: "granularity=hour")
        #expect(everything["totals"]?.normalized == ["ratings": 4, "average_rating": 3.5, "csat_percent": 50])
        let assistants = everything["assistants"]?.arrayValue ?? []
        #expect(
            assistants.map { [$0["assistant_name"], $0["assistant_version"], $0["ratings"], $0["average_rating"], $0["csat_percent"]] }
                .map { JSONValue.array($0.map { $0 ?? .null }).normalized } == [
                    ["Alpha", 1, 2, 4.5, 100], ["Beta", 1, 2, 2.5, 0],
                ])
        #expect(everything["comments"]?.arrayValue?.map { $0["comment"] } == ["Mais ou menos", "Ótimo, resolvido"])
        let webOnly = app.send(.get, "/analytics/feedback/", query: "api_key_id=\(web.id)")
        #expect(webOnly["totals"]?.normalized == ["ratings": 2, "average_rating": 4.5, "csat_percent": 100])
        #expect(webOnly["assistants"]?.arrayValue?.map { $0["assistant_name"] } == ["Alpha"])
        let later = ISO8601DateFormatter().string(from: .now.addingTimeInterval(60))
        let empty = app.send(
            .get, "/analytics/feedback/", query: "from=\(later)&to=\(ISO8601DateFormatter().string(from: .now.addingTimeInterval(3_600)))")
        #expect(empty["totals"] == ["ratings": 0, "average_rating": .null, "csat_percent": .null])

        let keys = Dictionary(
            uniqueKeysWithValues: app.send(.get, "/analytics/keys/").items.compactMap { item in item["id"]?.stringValue.map { ($0, item) } }
        )
        #expect(keys[web.id.uuidString.lowercased()]?["requests"] == 7 && keys[mobile.id.uuidString.lowercased()]?["requests"] == 4)
        #expect(keys[web.id.uuidString.lowercased()]?["revoked"] == false && keys[web.id.uuidString.lowercased()]?["name"] == "web")

        #expect(app.send(.get, "/analytics/knowledge/").json == ["statuses": [], "failed": [], "failed_count": 0, "embedding_models": []])
        for question in ["Um?", "Dois?", "Três?"] {
            _ = app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "\#(question)", "answer": "Sim."}"#)
        }
        try app.ingestPendingPairs()
        var knowledge = app.send(.get, "/analytics/knowledge/")
        #expect(knowledge["statuses"] == [["kind": "qa", "status": "ready", "sources": 3]] && knowledge["failed_count"] == 0)
        #expect(knowledge["embedding_models"]?.arrayValue?.count == 1)
        let failing = app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "Quatro?", "answer": "Não."}"#)
        try KnowledgeStore(db: app.db).markFailed(
            try #require(UUID(uuidString: failing.id)), code: "no_text", message: "No text could be found in the content")
        knowledge = app.send(.get, "/analytics/knowledge/")
        #expect(
            knowledge["statuses"] == [
                ["kind": "qa", "status": "ready", "sources": 3], ["kind": "qa", "status": "failed", "sources": 1],
            ])
        #expect(knowledge["failed_count"] == 1)
        #expect(
            knowledge["failed"]?.arrayValue?.map { [$0["title"], $0["error_code"], $0["error_message"]] } == [
                ["Quatro?", "no_text", "No text could be found in the content"]
            ])

        #expect(try APIKeyStore(database: app.database).revoke(id: mobile.id))
        let revoked = app.send(.get, "/analytics/keys/").items.first { $0["id"] == .string(mobile.id.uuidString.lowercased()) }
        #expect(revoked?["revoked"] == true && revoked?["requests"] == 4)

        let stranger = try TestApp()
        #expect(stranger.send(.get, "/analytics/feedback/")["totals"]?["ratings"] == 0)
        #expect(stranger.send(.get, "/analytics/knowledge/")["statuses"] == [])
        #expect(!stranger.send(.get, "/analytics/keys/").items.contains { $0["id"] == .string(web.id.uuidString.lowercased()) })
    }
}
