import Foundation
import HTTP
import MariaDB
import Testing

/// `/analytics/gaps/` in process over real MariaDB, with the hashed model: which questions become
/// gap questions and why, how they are grouped, figures that match SQL over the stored rows, and
/// the closed loop — a gap answered from the endpoint answers the next such question.
@Suite("Knowledge gaps API in process", .enabled(if: TestApp.isAvailable))
struct GapsAPITests {
    static let shippingQuestion = "Qual é o prazo de entrega para a região Nordeste?"
    static let paymentQuestion = "Quais formas de pagamento vocês aceitam?"
    static let sundays = ["Vocês entregam aos domingos?", "Vocês entregam aos domingos e feriados?", "vocês entregam aos domingos"]
    static let canada = ["Do you ship orders to Canada?", "Do you ship to Canada?"]

    let app: TestApp
    let assistant: String

    init() throws {
        app = try TestApp()
        assistant = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Aurora", "language": "pt-BR"}"#).id
        _ = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"""
                [{"question": "\#(Self.shippingQuestion)", "answer": "De 5 a 8 dias úteis após a confirmação do pagamento."},
                 {"question": "\#(Self.paymentQuestion)", "answer": "Cartão de crédito, Pix e boleto bancário."}]
                """#)
        try app.ingestPendingPairs()
    }

    private func open() throws -> String {
        let session = app.send(.post, "/api/v1/sessions/", json: #"{"channel": "web"}"#).id
        let reply = app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(session)"}"#)
        try #require(reply.status == 201, "\(reply.json)")
        return reply.id
    }

    /// Asks `question` in a new conversation (or `conversation`): the posted message and its reply.
    @discardableResult
    private func ask(_ question: String, in conversation: String? = nil) throws -> (
        conversation: String, message: JSONValue, reply: JSONValue
    ) {
        let id = try conversation ?? open()
        let posted = app.send(
            .post, "/api/v1/conversations/\(id)/messages",
            json: JSONValue.object(["role": "user", "content": .string(question)]).serialized)
        try #require(posted.status == 201, "\(posted.json)")
        return (id, posted["message"] ?? .null, posted["reply"] ?? .null)
    }

    private func gaps(_ query: String = "", key: String? = nil) -> TestResponse {
        app.send(.get, "/analytics/gaps/", query: query, key: key)
    }

    /// Seeds: three Portuguese paraphrases and two English ones the knowledge cannot answer, a
    /// question answered from the bank but rated 1, one answered and then handed off by the
    /// client, and one answered and left alone.
    private func seed() throws -> (rated: String, handedOff: String) {
        for question in Self.sundays + Self.canada {
            #expect(try ask(question).reply["grounding"] == "none")
        }
        let rated = try ask(Self.shippingQuestion)
        #expect(rated.reply["grounding"] == "qa")
        let feedback = app.send(
            .post, "/api/v1/conversations/\(rated.conversation)/feedback",
            json: #"{"rating": 1, "message_id": "\#(rated.reply["id"]?.stringValue ?? "")", "actor": {"type": "visitor"}}"#)
        #expect(feedback.status == 201)
        let handed = try ask(Self.paymentQuestion)
        #expect(handed.reply["grounding"] == "qa")
        #expect(
            app.send(.post, "/api/v1/conversations/\(handed.conversation)/handoff", json: #"{"reason": "pediu um humano"}"#).status == 200)
        #expect(try ask(Self.paymentQuestion).reply["grounding"] == "qa")
        return (rated.message["id"]?.stringValue ?? "", handed.message["id"]?.stringValue ?? "")
    }

    /// An integer member of a JSON object (-1 when absent).
    private static func int(_ value: JSONValue?) -> Int {
        if case .int(let number) = value { return Int(number) }
        return -1
    }

    private static func id(_ value: JSONValue) -> UUID {
        UUID(uuidString: value["id"]?.stringValue ?? "") ?? UUID()
    }

    private struct Membership: Decodable, Hashable {
        var gapID: UUID
        var questions: Int
    }

    private struct Bucket: Decodable, Hashable {
        var gapID: UUID
        var value: String
        var questions: Int
    }

    @Test func questionsAreGroupedByMeaningWithFiguresThatMatchSQL() throws {
        let seeded = try seed()
        let listed = gaps()
        #expect(listed.status == 200, "\(listed.json)")
        #expect(listed["count"] == 4)
        let items = listed.items
        #expect(items.map { $0["count"] } == [3, 2, 1, 1])
        let sundays = try #require(items.first)
        #expect(Self.sundays.contains(sundays["question"]?.stringValue ?? ""))
        #expect(sundays["languages"] == [["language": "pt", "count": 3]] && sundays["reasons"] == [["reason": "handed_off", "count": 3]])
        #expect(sundays["assistants"] == [["assistant_id": .string(assistant), "name": "Aurora", "count": 3]])
        #expect(sundays["status"] == "open" && sundays["answer"] == .null)
        #expect(Set(sundays["examples"]?.arrayValue?.compactMap { $0["question"]?.stringValue } ?? []) == Set(Self.sundays))
        #expect(items[1]["languages"] == [["language": "en", "count": 2]])
        let single = Dictionary(uniqueKeysWithValues: items[2...].map { ($0["representative_message_id"]?.stringValue ?? "", $0) })
        #expect(single[seeded.rated]?["reasons"] == [["reason": "low_rating", "count": 1]])
        #expect(single[seeded.handedOff]?["reasons"] == [["reason": "handed_off", "count": 1]])

        // Every figure against SQL over the stored rows: the members per gap, per language, per
        // assistant and per day of the range.
        let db = app.db
        let members = try db.fetchAll(
            Membership.self,
            "SELECT gap_id, COUNT(*) AS questions FROM knowledge_gap_questions WHERE \(db.condition) GROUP BY gap_id")
        let listedMembers = items.map { Membership(gapID: Self.id($0), questions: Self.int($0["count"])) }
        #expect(Set(members) == Set(listedMembers))
        let languages = try db.fetchAll(
            Bucket.self,
            "SELECT gap_id, language AS value, COUNT(*) AS questions FROM knowledge_gap_questions WHERE \(db.condition) GROUP BY gap_id, language"
        )
        let assistants = try db.fetchAll(
            Bucket.self,
            """
            SELECT q.gap_id, c.assistant_id AS value, COUNT(*) AS questions FROM knowledge_gap_questions q
            JOIN messages m ON m.id = q.message_id JOIN conversations c ON c.id = m.conversation_id
            WHERE \(db.condition("q")) GROUP BY q.gap_id, c.assistant_id
            """)
        let days = try db.fetchAll(
            Bucket.self,
            """
            SELECT q.gap_id, DATE_FORMAT(m.created_at, '%Y-%m-%d') AS value, COUNT(*) AS questions FROM knowledge_gap_questions q
            JOIN messages m ON m.id = q.message_id WHERE \(db.condition("q")) GROUP BY q.gap_id, value
            """)
        func buckets(_ field: String, _ key: String) -> Set<Bucket> {
            var found: Set<Bucket> = []
            for item in items {
                for entry in item[field]?.arrayValue ?? [] where Self.int(entry["count"]) > 0 {
                    found.insert(Bucket(gapID: Self.id(item), value: entry[key]?.stringValue ?? "", questions: Self.int(entry["count"])))
                }
            }
            return found
        }
        #expect(buckets("languages", "language") == Set(languages))
        #expect(
            buckets("assistants", "assistant_id")
                == Set(assistants.map { Bucket(gapID: $0.gapID, value: $0.value.lowercased(), questions: $0.questions) }))
        #expect(buckets("trend", "date") == Set(days))
        #expect(sundays["trend"]?.arrayValue?.count == 2 || sundays["trend"]?.arrayValue?.count == 1)

        // Filters narrow the questions counted.
        #expect(gaps("reason=low_rating").items.map { $0["representative_message_id"]?.stringValue } == [seeded.rated])
        #expect(gaps("language=en").items.map { $0["count"] } == [2])
        #expect(gaps("assistant_id=\(UUID())")["count"] == 0)
        #expect(gaps("status=answered")["count"] == 0 && gaps("status=all")["count"] == 4)
        #expect(gaps("limit=1&offset=1").items.map(Self.id) == [Self.id(items[1])])
        let earlier = ISO8601DateFormatter().string(from: Date.now.addingTimeInterval(-7_200))
        let hourAgo = ISO8601DateFormatter().string(from: Date.now.addingTimeInterval(-3_600))
        #expect(gaps("from=\(earlier)&to=\(hourAgo)")["count"] == 0)

        // A later paraphrase joins its gap; ids stay.
        try ask("Vocês entregam aos domingos?")
        let again = gaps()
        #expect(again.items.first?["id"] == sundays["id"] && again.items.first?["count"] == 4 && again["count"] == 4)
        let one = app.send(.get, "/analytics/gaps/\(Self.id(sundays))")
        #expect(one.status == 200 && one["count"] == 4 && one["id"] == sundays["id"])
    }

    @Test func answeringAGapAnswersTheNextSuchQuestion() throws {
        _ = try seed()
        let sundays = try #require(gaps().items.first)
        let path = "/analytics/gaps/\(Self.id(sundays))/answer"
        let reader = try app.addKey(name: "analyst", scopes: [.analytics])
        #expect(app.send(.get, "/analytics/gaps/", key: reader.secret).status == 200)
        #expect(app.send(.post, path, json: #"{"answer": "Sim."}"#, key: reader.secret).status == 403)
        #expect(app.send(.post, path, json: #"{"question": ""}"#).locations == [["body", "question"], ["body", "answer"]])
        #expect(app.send(.post, "/analytics/gaps/\(UUID())/answer", json: #"{"answer": "Sim."}"#).status == 404)
        #expect(app.send(.post, path, json: #"{"answer": "Sim.", "assistant_ids": ["\#(UUID())"]}"#).status == 422)
        #expect(try app.db.fetchOne(Int.self, "SELECT COUNT(*) FROM knowledge_sources WHERE \(app.db.condition)") == 2)

        let answer = "Sim, entregamos aos domingos das 9h às 13h."
        let answered = app.send(.post, path, json: JSONValue.object(["answer": .string(answer)]).serialized)
        #expect(answered.status == 202, "\(answered.json)")
        let qa = try #require(answered["qa"])
        #expect(qa["question"] == sundays["question"] && qa["answer"] == .string(answer) && qa["status"] == "pending")
        #expect(answered["gap"]?["status"] == "answered" && answered["gap"]?["answer"]?["qa_id"] == qa["id"])
        #expect(answered["gap"]?["answer"]?["api_key_id"] == .string(app.keyID.uuidString.lowercased()))
        #expect(answered["gap"]?["count"] == 3)
        let linked = try app.db.fetchAll(
            UUID.self, "SELECT assistant_id FROM assistant_knowledge WHERE \(app.db.condition) AND source_id = \(Self.id(qa))")
        #expect(linked.map { $0.uuidString.lowercased() } == [assistant])
        let twice = app.send(.post, path, json: #"{"answer": "De novo."}"#)
        #expect(twice.status == 409 && twice.json == ["detail": "This gap is already answered"])

        try app.ingestPendingPairs()
        let next = try ask("Vocês entregam aos domingos?")
        #expect(next.reply["grounding"] == "qa" && next.reply["content"] == .string(answer))
        #expect(next.reply["sources"]?.arrayValue?.first?["source_id"] == qa["id"])
        // Answered questions are not gap questions: the gap still counts its three, none is new.
        let after = gaps("status=all")
        #expect(after["count"] == 4 && after.items.first(where: { $0["id"] == sundays["id"] })?["count"] == 3)
        #expect(gaps()["count"] == 3)
    }

    @Test func aQAPairNamingAGapAnswersIt() throws {
        _ = try seed()
        let canada = try #require(gaps("language=en").items.first)
        let created = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"{"question": "Do you ship to Canada?", "answer": "Yes, in 10 working days.", "gap_id": "\#(Self.id(canada))"}"#)
        #expect(created.status == 202)
        let read = app.send(.get, "/analytics/gaps/\(Self.id(canada))")
        #expect(read["status"] == "answered" && read["answer"]?["qa_id"] == created["id"])
        let again = app.send(
            .post, "/api/v1/knowledge/qas/", json: #"{"question": "Canada?", "answer": "Yes.", "gap_id": "\#(Self.id(canada))"}"#)
        #expect(again.status == 409)
        #expect(app.send(.patch, "/api/v1/knowledge/qas/\(created.id)", json: #"{"gap_id": "\#(Self.id(canada))"}"#).status == 422)
        let unknown = app.send(.post, "/api/v1/knowledge/qas/", json: #"[{"question": "Q?", "answer": "A.", "gap_id": "\#(UUID())"}]"#)
        #expect(unknown.status == 422 && unknown.locations == [["body", 0, "gap_id"]])
    }

    @Test func badReadsAreRefusedAndOtherOrganizationsGapsAreNotFound() throws {
        _ = try seed()
        let gap = try #require(gaps().items.first)
        for query in ["status=closed", "reason=x", "language=fr", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z"] {
            #expect(gaps(query).status == 422, "\(query)")
        }
        #expect(gaps("organization_id=all").status == 403)
        let operatorKey = try app.addKey(name: "operator", isOperator: true)
        #expect(gaps("organization_id=all", key: operatorKey.secret).locations == [["query", "organization_id"]])
        #expect(gaps("organization_id=\(app.organizationID)", key: operatorKey.secret)["count"] == 4)
        #expect(gaps("from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z").status == 422)
        #expect(app.send(.get, "/analytics/gaps/\(UUID())").status == 404)
        let other = try TestApp()
        #expect(other.send(.get, "/analytics/gaps/\(Self.id(gap))").status == 404)
        #expect(other.send(.post, "/analytics/gaps/\(Self.id(gap))/answer", json: #"{"answer": "x"}"#).status == 404)
        #expect(other.send(.get, "/analytics/gaps/")["count"] == 0)
    }
}
