import Foundation
import HTTP
import Testing

/// Per-endpoint behaviour of sessions, contexts and visitors, in process. Expiry is reached by
/// moving `expires_at` into the past; waiting for it, sliding by the clock and the sweeper are
/// tested end to end.
@Suite("Sessions, contexts and visitors API in process", .enabled(if: TestApp.isAvailable))
struct SessionAPITests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    private func open(_ json: String = "{}", on app: TestApp? = nil) throws -> TestResponse {
        let reply = (app ?? self.app).send(.post, "/api/v1/sessions/", json: json)
        try #require(reply.status == 201, "\(reply.json)")
        return reply
    }

    private func addContext(_ session: String, _ attributes: String, crm: String? = nil, on app: TestApp? = nil) -> TestResponse {
        let crmMember = crm.map { #", "crm": \#($0)"# } ?? ""
        return (app ?? self.app).send(
            .post, "/api/v1/contexts", json: #"{"session_id": "\#(session)", "attributes": \#(attributes)\#(crmMember)}"#)
    }

    private func date(_ value: JSONValue?) -> Date? {
        value?.stringValue.flatMap { ISO8601DateFormatter().date(from: $0) }
    }

    private func ids(_ response: TestResponse) -> [String] {
        response.items.compactMap { $0["id"]?.stringValue }
    }

    @Test func anAnonymousSessionIsContinuedAsTheSameVisitor() throws {
        let first = try open()
        #expect(first["authenticated"] == false && first["state"] == "active" && first["channel"] == "api")
        let visitor = try #require(first["visitor"])
        #expect(visitor["identified"] == false && visitor["external_id"] == .null)
        #expect(first["initial_visitor_id"] == visitor["id"] && first["assistant_id"] == .null)
        #expect(first["ttl_seconds"] == 1_800 && first["sliding"] == true)
        let lifetime = try #require(date(first["expires_at"])).timeIntervalSince(try #require(date(first["created_at"])))
        #expect(lifetime == 1_800)
        #expect(first["attributes"] == [:] && first["crm"] == [] && first["context_count"] == 0 && first["metadata"] == [:])
        #expect(app.send(.get, "/api/v1/sessions/\(first.id)/").json == first.json)

        // The channel kept the visitor id (a cookie) and sends it again.
        let visitorID = try #require(visitor["id"]?.stringValue)
        let second = try open(#"{"visitor": {"id": "\#(visitorID)"}, "channel": "Web"}"#)
        #expect(second["visitor"]?["id"] == visitor["id"] && second["channel"] == "web" && second["authenticated"] == false)
        let journey = app.send(.get, "/api/v1/visitors/\(visitorID)")
        #expect(journey["sessions"]?.arrayValue?.map { $0["id"] } == [first["id"], second["id"]])
        #expect(journey["session_count"] == 2 && journey["channels"] == ["api", "web"])

        let unknown = app.send(.post, "/api/v1/sessions/", json: #"{"visitor": {"id": "\#(UUID())"}}"#)
        #expect(unknown.status == 404 && unknown.json == ["detail": "Visitor not found"])
    }

    @Test func aPortugueseVisitorIsAuthenticatedByExternalIDWithItsLocaleInCanonicalCase() throws {
        let web = try open(
            #"""
            {"channel": "web", "metadata": {"página": "/preços"},
             "visitor": {"external_id": "crm-1", "display_name": "Ana Conceição", "email": "ana@example.com", "locale": "pt-br"}}
            """#)
        #expect(web["authenticated"] == true && web["metadata"] == ["página": "/preços"])
        let visitor = try #require(web["visitor"])
        #expect(visitor["external_id"] == "crm-1" && visitor["identified"] == true && visitor["identified_at"] != .null)
        #expect(visitor["display_name"] == "Ana Conceição" && visitor["locale"] == "pt-BR" && visitor["email"] == "ana@example.com")

        // What was known stays; what is new is added.
        let phone = try open(#"{"channel": "whatsapp", "visitor": {"external_id": "crm-1", "phone": "+55 11 99999-0000", "locale": "PT"}}"#)
        #expect(phone["visitor"]?["id"] == visitor["id"] && phone["visitor"]?["display_name"] == "Ana Conceição")
        #expect(phone["visitor"]?["phone"] == "+55 11 99999-0000" && phone["visitor"]?["locale"] == "pt")
        #expect(app.send(.get, "/api/v1/visitors/", query: "external_id=crm-1")["count"] == 1)
    }

    @Test func invalidSessionsAreOne422ListingEveryProblemAndWriteNothing() {
        let reply = app.send(
            .post, "/api/v1/sessions/",
            json: #"""
                {"ttl_seconds": 0, "channel": "web widget", "assistant_id": "x", "sliding": "yes",
                 "visitor": {"email": "no", "locale": "?"}, "surprise": true}
                """#)
        #expect(reply.status == 422)
        #expect(
            Set(reply.locations) == [
                ["body", "ttl_seconds"], ["body", "channel"], ["body", "assistant_id"], ["body", "sliding"],
                ["body", "visitor", "email"], ["body", "visitor", "locale"], ["body", "surprise"],
            ])
        #expect(reply.locations.count == 7)
        #expect(app.send(.post, "/api/v1/sessions/", json: #"{"ttl_seconds": 59}"#).locations == [["body", "ttl_seconds"]])
        #expect(app.send(.post, "/api/v1/sessions/", json: #"{"ttl_seconds": 2592001}"#).locations == [["body", "ttl_seconds"]])
        let unknown = app.send(.post, "/api/v1/sessions/", json: #"{"assistant_id": "\#(UUID())"}"#)
        #expect(unknown.status == 404 && unknown.json == ["detail": "Assistant not found"])
        #expect(app.send(.get, "/api/v1/sessions/")["count"] == 0)
        #expect(app.send(.get, "/api/v1/visitors/")["count"] == 0)
    }

    @Test func sessionListsArePagesFilteredByEveryField() throws {
        let assistant = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Concierge"}"#).id
        let web = try open(#"{"channel": "web", "assistant_id": "\#(assistant)"}"#)
        let phone = try open(#"{"channel": "phone", "visitor": {"external_id": "p-1"}}"#)
        let everything = app.send(.get, "/api/v1/sessions/")
        #expect(ids(everything) == [web.id, phone.id] && everything["count"] == 2)
        #expect(app.send(.get, "/api/v1/sessions/", query: "limit=1&offset=1").json == ["items": [everything.items[1]], "count": 2])
        #expect(ids(app.send(.get, "/api/v1/sessions/", query: "assistant_id=\(assistant)")) == [web.id])
        #expect(ids(app.send(.get, "/api/v1/sessions/", query: "channel=PHONE")) == [phone.id])
        #expect(ids(app.send(.get, "/api/v1/sessions/", query: "external_id=p-1")) == [phone.id])
        let phoneVisitor = phone["visitor"]?["id"]?.stringValue ?? ""
        #expect(ids(app.send(.get, "/api/v1/sessions/", query: "visitor_id=\(phoneVisitor)")) == [phone.id])
        #expect(app.send(.get, "/api/v1/sessions/", query: "state=active")["count"] == 2)
        #expect(app.send(.get, "/api/v1/sessions/", query: "state=ended")["count"] == 0)

        let created = web["created_at"]?.stringValue ?? ""
        let ahead = ISO8601DateFormatter().string(from: .now.addingTimeInterval(3_600))
        #expect(app.send(.get, "/api/v1/sessions/", query: "created_after=\(ahead)")["count"] == 0)
        #expect(app.send(.get, "/api/v1/sessions/", query: "created_before=\(ahead)")["count"] == 2)
        #expect(app.send(.get, "/api/v1/sessions/", query: "created_before=\(created)")["count"] == 0)
        #expect(app.send(.get, "/api/v1/sessions/", query: "created_after=\(created)&created_before=\(ahead)")["count"] == 2)

        let bad = app.send(.get, "/api/v1/sessions/", query: "state=closed&created_after=yesterday&assistant_id=1")
        #expect(bad.status == 422)
        #expect(bad.locations == [["query", "assistant_id"], ["query", "state"], ["query", "created_after"]])
        let badPage = app.send(.get, "/api/v1/sessions/", query: "limit=1001")
        #expect(badPage.status == 422 && badPage.locations == [["query", "limit"]])
        // The page is read with the filters: one 422 lists the problems of both.
        let badBoth = app.send(.get, "/api/v1/sessions/", query: "limit=0&state=bogus")
        #expect(badBoth.status == 422 && badBoth.locations == [["query", "limit"], ["query", "state"]])
    }

    @Test func aSessionIsChangedThenEndedOnceAndForAll() throws {
        let session = try open(#"{"channel": "web"}"#)
        let path = "/api/v1/sessions/\(session.id)"
        let patched = app.send(.patch, path, json: #"{"ttl_seconds": 600, "sliding": false, "metadata": {"a": 1}}"#)
        #expect(patched.status == 200 && patched["ttl_seconds"] == 600 && patched["sliding"] == false && patched["metadata"] == ["a": 1])
        let lifetime = try #require(date(patched["expires_at"])).timeIntervalSinceNow
        #expect(lifetime > 590 && lifetime <= 601)
        let fixed = app.send(.patch, path, json: #"{"channel": "app", "ttl_seconds": 10}"#)
        #expect(fixed.status == 422 && Set(fixed.locations) == [["body", "channel"], ["body", "ttl_seconds"]])
        #expect(app.send(.get, path)["metadata"] == ["a": 1])

        let badEnd = app.send(.post, "\(path)/end", json: #"{"reason": "", "why": 1}"#)
        #expect(badEnd.status == 422 && badEnd.locations == [["body", "reason"], ["body", "why"]])
        #expect(app.send(.get, path)["state"] == "active")
        let ended = app.send(.post, "\(path)/end", json: #"{"reason": "resolvido"}"#)
        #expect(ended.status == 200 && ended["state"] == "ended" && ended["end_reason"] == "resolvido" && ended["ended_at"] != .null)
        let again = app.send(.post, "\(path)/end")
        #expect(again.status == 200 && again.json == ended.json)
        #expect(app.send(.get, path).json == ended.json)
        #expect(app.send(.get, "/api/v1/sessions/", query: "state=ended").items == [ended.json])

        let refused = addContext(session.id, #"{"after": "end"}"#)
        #expect(refused.status == 410 && refused.json == ["detail": "Session expired"])
        #expect(app.send(.patch, path, json: #"{"metadata": {}}"#).status == 410)
    }

    @Test func anExpiredSessionRefusesChangesAndStaysReadable() throws {
        let session = try open(#"{"ttl_seconds": 60, "sliding": false}"#)
        #expect(addContext(session.id, #"{"step": 1}"#).status == 201)
        let id = try #require(UUID(uuidString: session.id))
        try app.db.execute("UPDATE sessions SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE \(app.db.condition) AND id = \(id)")

        let path = "/api/v1/sessions/\(session.id)"
        for refused in [
            addContext(session.id, #"{"step": 2}"#), app.send(.patch, path, json: #"{"metadata": {"x": 1}}"#),
            app.send(.post, "\(path)/end"),
        ] {
            #expect(refused.status == 410 && refused.json == ["detail": "Session expired"])
        }
        let read = app.send(.get, path)
        #expect(read.status == 200 && read["state"] == "expired" && read["attributes"] == ["step": 1] && read["metadata"] == [:])
        #expect(ids(app.send(.get, "/api/v1/sessions/", query: "state=expired")) == [session.id])
        #expect(app.send(.get, "/api/v1/sessions/", query: "state=active")["count"] == 0)
        #expect(app.send(.get, "/api/v1/contexts", query: "session_id=\(session.id)")["count"] == 1)
    }

    @Test func identifyingAnAnonymousVisitorBringsTheirEarlierSessions() throws {
        // A new identity: the anonymous visitor takes it, with both sessions.
        let first = try open(#"{"channel": "web"}"#)
        let anonymous = first["visitor"]?["id"]?.stringValue ?? ""
        let second = try open(#"{"channel": "app", "visitor": {"id": "\#(anonymous)"}}"#)
        let identified = app.send(
            .patch, "/api/v1/sessions/\(second.id)", json: #"{"visitor": {"external_id": "cust-9", "email": "joao@example.com"}}"#)
        #expect(identified.status == 200 && identified["authenticated"] == true && identified["identified_at"] != .null)
        #expect(identified["visitor"]?["id"] == .string(anonymous) && identified["visitor"]?["external_id"] == "cust-9")
        let journey = app.send(.get, "/api/v1/visitors/\(anonymous)")
        #expect(journey["external_id"] == "cust-9" && journey["session_count"] == 2)
        #expect(app.send(.get, "/api/v1/sessions/\(first.id)")["authenticated"] == false)

        // An identity that already exists: the anonymous visitor is linked to it, sessions and all.
        let known = try open(#"{"channel": "whatsapp", "visitor": {"external_id": "cust-7", "display_name": "Rita"}}"#)
        let knownID = try #require(known["visitor"]?["id"])
        let early = try open(#"{"channel": "web", "visitor": {"display_name": "Visitante", "locale": "pt-PT"}}"#)
        let stranger = early["visitor"]?["id"]?.stringValue ?? ""
        let late = try open(#"{"channel": "web", "visitor": {"id": "\#(stranger)"}}"#)
        let linked = app.send(.patch, "/api/v1/sessions/\(late.id)", json: #"{"visitor": {"external_id": "cust-7"}}"#)
        #expect(linked["visitor"]?["id"] == knownID && linked["initial_visitor_id"] == .string(stranger))
        #expect(linked["visitor"]?["display_name"] == "Rita" && linked["visitor"]?["locale"] == "pt-PT")
        let earlyNow = app.send(.get, "/api/v1/sessions/\(early.id)")
        #expect(earlyNow["visitor"]?["id"] == knownID && earlyNow["initial_visitor_id"] == .string(stranger))
        #expect(earlyNow["authenticated"] == false)

        let merged = app.send(.get, "/api/v1/visitors/\(stranger)")
        #expect(merged["id"] == knownID && merged["linked_visitor_ids"] == [.string(stranger)])
        #expect(merged["sessions"]?.arrayValue?.map { $0["id"] } == [known["id"], early["id"], late["id"]])
        #expect(merged["channels"] == ["whatsapp", "web"])
        #expect(app.send(.get, "/api/v1/sessions/", query: "visitor_id=\(stranger)")["count"] == 3)
        #expect(app.send(.get, "/api/v1/sessions/", query: "external_id=cust-7")["count"] == 3)
        // The old cookie keeps working: it names the identified visitor now.
        #expect(try open(#"{"visitor": {"id": "\#(stranger)"}}"#)["visitor"]?["id"] == knownID)
        #expect(app.send(.get, "/api/v1/visitors/", query: "identified=false")["count"] == 0)
        #expect(app.send(.get, "/api/v1/visitors/", query: "identified=true")["count"] == 2)

        let conflict = app.send(.patch, "/api/v1/sessions/\(known.id)", json: #"{"visitor": {"external_id": "cust-8"}}"#)
        #expect(conflict.status == 409)
        #expect(app.send(.get, "/api/v1/visitors/\(knownID.stringValue ?? "")")["external_id"] == "cust-7")
    }

    @Test func contextsAreKeptInOrderAndMergedLaterWins() throws {
        let session = try open(#"{"channel": "web"}"#)
        let one = addContext(
            session.id, #"{"plan": "basic", "address": {"city": "Lisboa", "zip": "1000-001"}, "tags": ["a"]}"#,
            crm: #"{"system": "hubspot", "record_id": "42"}"#)
        #expect(one.status == 201 && one["position"] == 1 && one["session_id"] == .string(session.id))
        #expect(one["crm"] == ["system": "hubspot", "record_id": "42", "url": .null])
        let two = app.send(
            .post, "/api/v1/contexts/",
            json: #"""
                {"session_id": "\#(session.id)", "attributes": {"plan": "pro", "address": {"city": "Porto"}},
                 "crm": {"system": "salesforce", "record_id": "003X", "url": "https://crm.example.com/r/003X"}}
                """#)
        #expect(two.status == 201 && two["position"] == 2)

        var merged = app.send(.get, "/api/v1/sessions/\(session.id)")
        #expect(merged["attributes"] == ["plan": "pro", "address": ["city": "Porto", "zip": "1000-001"], "tags": ["a"]])
        #expect(
            merged["crm"] == [
                ["system": "hubspot", "record_id": "42", "url": .null, "context_id": one["id"]!],
                ["system": "salesforce", "record_id": "003X", "url": "https://crm.example.com/r/003X", "context_id": two["id"]!],
            ])
        #expect(merged["context_count"] == 2)

        let listing = app.send(.get, "/api/v1/contexts", query: "session_id=\(session.id)")
        #expect(ids(listing) == [one.id, two.id] && listing["count"] == 2)
        #expect(app.send(.get, "/api/v1/contexts", query: "session_id=\(session.id)&limit=1&offset=1").items == [two.json])
        #expect(app.send(.get, "/api/v1/contexts/", query: "crm_system=salesforce&crm_record_id=003X").items == [two.json])
        #expect(app.send(.get, "/api/v1/contexts/\(one.id)").json == one.json)
        let badFilters = app.send(.get, "/api/v1/contexts", query: "session_id=nope")
        #expect(badFilters.status == 422 && badFilters.locations == [["query", "session_id"]])
        #expect(app.send(.get, "/api/v1/contexts", query: "session_id=\(UUID())").status == 404)

        // A change to the first context does not override the later one.
        let changed = app.send(.patch, "/api/v1/contexts/\(one.id)", json: #"{"attributes": {"plan": "enterprise", "vip": true}}"#)
        #expect(changed.status == 200 && changed["attributes"] == ["plan": "enterprise", "vip": true] && changed["crm"] == one["crm"])
        merged = app.send(.get, "/api/v1/sessions/\(session.id)")
        #expect(merged["attributes"] == ["plan": "pro", "vip": true, "address": ["city": "Porto"]])

        #expect(app.send(.patch, "/api/v1/contexts/\(two.id)", json: #"{"crm": null}"#)["crm"] == .null)
        #expect(app.send(.get, "/api/v1/sessions/\(session.id)")["crm"]?.arrayValue?.map { $0["system"] } == ["hubspot"])
        #expect(app.send(.delete, "/api/v1/contexts/\(two.id)").status == 204)
        #expect(app.send(.get, "/api/v1/contexts/\(two.id)").status == 404)
        #expect(app.send(.delete, "/api/v1/contexts/\(two.id)").status == 404)
        merged = app.send(.get, "/api/v1/sessions/\(session.id)")
        #expect(merged["attributes"] == ["plan": "enterprise", "vip": true] && merged["context_count"] == 1)
        #expect(addContext(session.id, #"{"again": 1}"#)["position"] == 2)
    }

    @Test func attributeLimitsAnswer422AtTheOffendingPathAndStoreNothing() throws {
        let session = try open()
        let many = (0...100).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let long = String(repeating: "x", count: 101)
        let big = (0..<20).map { "\"k\($0)\": \"\(String(repeating: "v", count: 1_000))\"" }.joined(separator: ", ")
        let cases: [(attributes: String, loc: JSONValue, type: JSONValue)] = [
            ("{\(many)}", ["body", "attributes"], "too_long"),
            (#"{"\#(long)": 1}"#, ["body", "attributes", .string(long)], "string_too_long"),
            (#"{"note": "\#(String(repeating: "y", count: 2_001))"}"#, ["body", "attributes", "note"], "string_too_long"),
            (#"{"list": ["\#(String(repeating: "z", count: 2_001))"]}"#, ["body", "attributes", "list", 0], "string_too_long"),
            (#"{"a": {"b": {"c": {"d": {"e": 1}}}}}"#, ["body", "attributes"], "too_deep"),
            (#"{"items": [\#((0...100).map(String.init).joined(separator: ","))]}"#, ["body", "attributes", "items"], "too_long"),
            ("{\(big)}", ["body", "attributes"], "too_long"),
        ]
        for (attributes, loc, type) in cases {
            let reply = addContext(session.id, attributes)
            #expect(reply.status == 422)
            let problems = reply["detail"]?.arrayValue?.map { JSONValue.object(["loc": $0["loc"] ?? .null, "type": $0["type"] ?? .null]) }
            #expect(problems?.contains(["loc": loc, "type": type]) == true, "\(loc)")
        }
        let deepest = addContext(session.id, #"{"a": {"b": {"c": {"d": 1}}}}"#)  // 4 levels is the limit
        #expect(deepest.status == 201)

        let reply = app.send(.post, "/api/v1/contexts", json: #"{"attributes": [], "crm": {"system": "", "url": "ftp://x"}, "extra": 1}"#)
        #expect(reply.status == 422)
        #expect(
            Set(reply.locations) == [
                ["body", "session_id"], ["body", "attributes"], ["body", "crm", "system"], ["body", "crm", "record_id"],
                ["body", "crm", "url"], ["body", "extra"],
            ])
        #expect(
            app.send(.post, "/api/v1/contexts", json: #"{"session_id": "nope", "attributes": {}}"#).locations == [["body", "session_id"]])
        let path = "/api/v1/contexts/\(deepest.id)"
        #expect(app.send(.patch, path, json: #"{"attributes": {"q": "\#(String(repeating: "w", count: 2_001))"}}"#).status == 422)
        let moved = app.send(.patch, path, json: #"{"session_id": "\#(session.id)"}"#)
        #expect(moved.status == 422 && moved.locations == [["body", "session_id"]])
        #expect(moved["detail"]?.arrayValue?.first?["type"] == "value_error")
        #expect(app.send(.get, "/api/v1/contexts", query: "session_id=\(session.id)").items == [deepest.json])
    }

    @Test func aVisitorsJourneySpansChannels() throws {
        let web = try open(#"{"channel": "web", "visitor": {"external_id": "j-1"}}"#)
        #expect(addContext(web.id, #"{"cart": 3}"#).status == 201)
        let whatsapp = try open(#"{"channel": "whatsapp", "visitor": {"external_id": "j-1"}}"#)
        #expect(addContext(whatsapp.id, #"{"topic": "entrega"}"#, crm: #"{"system": "zendesk", "record_id": "T-5"}"#).status == 201)
        let other = try open(#"{"channel": "web", "visitor": {"external_id": "j-2"}}"#)
        _ = try open(#"{"channel": "web"}"#)

        let visitorID = web["visitor"]?["id"]?.stringValue ?? ""
        let journey = app.send(.get, "/api/v1/visitors/\(visitorID)")
        #expect(journey["external_id"] == "j-1" && journey["channels"] == ["web", "whatsapp"] && journey["session_count"] == 2)
        let sessions = journey["sessions"]?.arrayValue ?? []
        #expect(sessions.map { $0["id"] } == [web["id"], whatsapp["id"]])
        #expect(sessions.first?["contexts"]?.arrayValue?.map { $0["attributes"] } == [["cart": 3]])
        #expect(sessions.last?["contexts"]?.arrayValue?.first?["crm"] == ["system": "zendesk", "record_id": "T-5", "url": .null])
        #expect(sessions.last?["attributes"] == ["topic": "entrega"])
        #expect(!sessions.contains { $0["id"] == other["id"] })

        let byExternalID = app.send(.get, "/api/v1/visitors/", query: "external_id=j-1")
        #expect(byExternalID["count"] == 1 && byExternalID.items == [journey.json])
        #expect(app.send(.get, "/api/v1/visitors/")["count"] == 3)
        #expect(app.send(.get, "/api/v1/visitors/", query: "identified=true")["count"] == 2)
        let page = app.send(.get, "/api/v1/visitors/", query: "identified=true&limit=1&offset=1")
        #expect(page["count"] == 2 && page.items.count == 1)
        let bad = app.send(.get, "/api/v1/visitors/", query: "identified=maybe")
        #expect(bad.status == 422 && bad.locations == [["query", "identified"]])
        #expect(app.send(.get, "/api/v1/visitors/\(UUID())").json == ["detail": "Visitor not found"])
        #expect(app.send(.get, "/api/v1/visitors/not-a-uuid").status == 404)
    }

    @Test func anotherOrganizationsSessionsContextsAndVisitorsAreNotFound() throws {
        let assistant = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Mine"}"#).id
        let session = try open(#"{"assistant_id": "\#(assistant)", "visitor": {"external_id": "shared-1", "display_name": "Mine"}}"#)
        let context = addContext(session.id, #"{"private": true}"#, crm: #"{"system": "hubspot", "record_id": "77"}"#)
        let visitor = session["visitor"]?["id"]?.stringValue ?? ""
        let before = app.send(.get, "/api/v1/sessions/\(session.id)")

        let other = try TestApp()
        let calls: [(HTTPMethod, String, String?)] = [
            (.get, "/api/v1/sessions/\(session.id)", nil),
            (.patch, "/api/v1/sessions/\(session.id)", #"{"metadata": {"stolen": true}}"#),
            (.patch, "/api/v1/sessions/\(session.id)", #"{"visitor": {"external_id": "hijack"}}"#),
            (.post, "/api/v1/sessions/\(session.id)/end", nil),
            (.post, "/api/v1/contexts", #"{"session_id": "\#(session.id)", "attributes": {"x": 1}}"#),
            (.get, "/api/v1/contexts/\(context.id)", nil),
            (.patch, "/api/v1/contexts/\(context.id)", #"{"attributes": {}}"#),
            (.delete, "/api/v1/contexts/\(context.id)", nil),
            (.get, "/api/v1/visitors/\(visitor)", nil),
            (.post, "/api/v1/sessions/", #"{"visitor": {"id": "\#(visitor)"}}"#),
            (.post, "/api/v1/sessions/", #"{"assistant_id": "\#(assistant)"}"#),
        ]
        for (method, path, json) in calls {
            #expect(other.send(method, path, json: json).status == 404, "\(method) \(path)")
        }
        #expect(other.send(.get, "/api/v1/contexts", query: "session_id=\(session.id)").status == 404)
        for (path, query) in [
            ("/api/v1/sessions/", ""), ("/api/v1/contexts/", ""), ("/api/v1/visitors/", ""),
            ("/api/v1/sessions/", "visitor_id=\(visitor)"), ("/api/v1/sessions/", "assistant_id=\(assistant)"),
            ("/api/v1/contexts/", "crm_system=hubspot&crm_record_id=77"),
        ] {
            #expect(other.send(.get, path, query: query)["count"] == 0, "\(path)?\(query)")
        }

        // The same external id there is another visitor; identifying there does not touch this one.
        let theirs = try open(#"{"channel": "app", "visitor": {"external_id": "shared-1", "display_name": "Theirs"}}"#, on: other)
        #expect(theirs["visitor"]?["id"] != session["visitor"]?["id"])
        let anonymous = try open(on: other)
        let linked = other.send(.patch, "/api/v1/sessions/\(anonymous.id)", json: #"{"visitor": {"external_id": "shared-1"}}"#)
        #expect(linked.status == 200, "\(linked.json.serialized)")
        #expect(linked["visitor"]?["id"] == theirs["visitor"]?["id"])
        #expect(other.send(.get, "/api/v1/visitors/", query: "external_id=shared-1").items.first?["display_name"] == "Theirs")

        #expect(app.send(.get, "/api/v1/sessions/\(session.id)").json == before.json)
        #expect(before["state"] == "active" && before["attributes"] == ["private": true] && before["metadata"] == [:])
        #expect(app.send(.get, "/api/v1/visitors/\(visitor)")["session_count"] == 1)
    }
}
