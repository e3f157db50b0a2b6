import Foundation
import HTTP
import MariaDB
import Testing

@testable import Companin

/// Scoped keys, the keys API, the audit trail and browser tokens, in process against MariaDB.
@Suite("Governance API in process", .enabled(if: TestApp.isAvailable))
struct GovernanceAPITests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    private func assistant(_ name: String = "Aurora") -> String {
        app.send(.post, "/api/v1/assistants/", json: #"{"name": "\#(name)"}"#).id
    }

    private func session(assistant: String, key: String? = nil) -> TestResponse {
        app.send(.post, "/api/v1/sessions/", json: #"{"assistant_id": "\#(assistant)"}"#, key: key)
    }

    private func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    @Test func eachScopeReachesItsRoutesAndIsRefusedElsewhereWith403() throws {
        let reader = try app.addKey(name: "reader", scopes: [.read])
        let analyst = try app.addKey(name: "analyst", scopes: [.analytics])
        let widget = try app.addKey(name: "widget", scopes: [.widget])
        let assistant = assistant()

        #expect(app.send(.get, "/api/v1/assistants/", key: reader.secret).status == 200)
        #expect(app.send(.post, "/api/v1/knowledge/search", json: #"{"query": "prazo"}"#, key: reader.secret).status == 200)
        let refused = app.send(.post, "/api/v1/assistants/", json: #"{"name": "No"}"#, key: reader.secret)
        #expect(refused.status == 403)
        #expect(refused["detail"] == "This key's scopes do not allow this request")
        #expect(app.send(.get, "/analytics/usage/", key: reader.secret).status == 403)
        #expect(app.send(.get, "/api/v1/keys/", key: reader.secret).status == 403)
        #expect(app.send(.delete, "/api/v1/assistants/\(assistant)", key: reader.secret).status == 403)

        #expect(app.send(.get, "/analytics/usage/", key: analyst.secret).status == 200)
        #expect(app.send(.get, "/analytics/audit/", key: analyst.secret).status == 200)
        #expect(app.send(.get, "/api/v1/sessions/", key: analyst.secret).status == 403)

        let opened = session(assistant: assistant, key: widget.secret)
        #expect(opened.status == 201)
        #expect(app.send(.get, "/api/v1/sessions/\(opened.id)", key: widget.secret).status == 200)
        // A widget reads by id only: listing every visitor's sessions is not its business.
        #expect(app.send(.get, "/api/v1/sessions/", key: widget.secret).status == 403)
        #expect(app.send(.get, "/api/v1/visitors/", key: widget.secret).status == 403)
        #expect(app.send(.get, "/api/v1/knowledge/files/", key: widget.secret).status == 403)
        #expect(app.send(.get, "/api/v1/assistants/\(assistant)", key: widget.secret).status == 403)
        // Nothing was created by the refused calls.
        #expect(app.send(.get, "/api/v1/assistants/")["count"] == 1)
    }

    @Test func everyRouteHasAPolicyAndEveryWidgetRouteExists() {
        let routes = app.app.application.router.routes
        let served = Set(routes.map { AccessPolicy.RouteKey(method: $0.method, template: $0.template) })
        #expect(AccessPolicy.widgetRoutes.isSubset(of: served))
        for route in routes where route.template.hasPrefix("/api/v1/keys") {
            #expect(AccessPolicy.scopes(route.method, route.template).isEmpty, "\(route.template) is admin-only")
        }
        for route in routes where route.method == .delete {
            #expect(!AccessPolicy.scopes(route.method, route.template).contains(.read))
        }
    }

    @Test func keysAreIssuedListedChangedRotatedAndRevoked() throws {
        let created = app.send(.post, "/api/v1/keys/", json: #"{"name": "web widget", "scopes": ["widget", "read"]}"#)
        #expect(created.status == 201)
        let secret = try #require(created["secret"]?.stringValue)
        #expect(secret.hasPrefix("cmp_"))
        #expect(created["scopes"] == ["read", "widget"])
        #expect(created["key_prefix"]?.stringValue.map { secret.hasPrefix($0) } == true)
        let id = created.id

        let listed = app.send(.get, "/api/v1/keys/")
        #expect(listed["count"] == 2)
        #expect(listed.items.allSatisfy { $0["secret"] == nil })
        #expect(app.send(.get, "/api/v1/assistants/", key: secret).status == 200)
        #expect(app.send(.get, "/api/v1/keys/\(id)")["last_used_at"] != .null)

        // Narrowing the scopes applies to the next request.
        let changed = app.send(.patch, "/api/v1/keys/\(id)", json: #"{"scopes": ["widget"]}"#)
        #expect(changed["scopes"] == ["widget"])
        #expect(app.send(.get, "/api/v1/assistants/", key: secret).status == 403)

        // Rotation with an overlap: both work; without one, the old key stops at once.
        let rotated = app.send(.post, "/api/v1/keys/\(id)/rotate", json: #"{"overlap_seconds": 3600}"#)
        #expect(rotated.status == 201)
        let successor = try #require(rotated["secret"]?.stringValue)
        #expect(rotated["scopes"] == ["widget"])
        let assistant = assistant()
        #expect(session(assistant: assistant, key: secret).status == 201)
        #expect(session(assistant: assistant, key: successor).status == 201)
        #expect(app.send(.get, "/api/v1/keys/\(id)")["replaced_by"]?.stringValue == rotated.id)
        #expect(app.send(.post, "/api/v1/keys/\(id)/rotate", json: "{}").status == 409)
        let again = app.send(.post, "/api/v1/keys/\(rotated.id)/rotate", json: #"{"overlap_seconds": 0}"#)
        #expect(session(assistant: assistant, key: successor).status == 401)
        #expect(session(assistant: assistant, key: try #require(again["secret"]?.stringValue)).status == 201)

        #expect(app.send(.delete, "/api/v1/keys/\(again.id)").status == 204)
        #expect(session(assistant: assistant, key: try #require(again["secret"]?.stringValue)).status == 401)
        // The tests' key and the first one, still in its hour of overlap; the others expired or were revoked.
        #expect(app.send(.get, "/api/v1/keys/")["count"] == 2)
        #expect(app.send(.get, "/api/v1/keys/", query: "include_inactive=true")["count"] == 4)
    }

    @Test func badKeyInputIs422AndChangesNothing() {
        #expect(app.send(.get, "/analytics/audit/")["count"] == 1)
        for body in [
            #"{"name": ""}"#, #"{"name": "x", "scopes": []}"#, #"{"name": "x", "scopes": ["root"]}"#,
            #"{"name": "x", "expires_at": "2001-01-01T00:00:00Z"}"#, #"{"name": "x", "assistant_id": "\#(UUID())"}"#,
            #"{"name": "x", "secret": "cmp_mine"}"#,
        ] {
            #expect(app.send(.post, "/api/v1/keys/", json: body).status == 422, "\(body)")
        }
        #expect(app.send(.get, "/api/v1/keys/")["count"] == 1)
        // Only the issue of the tests' own key.
        #expect(app.send(.get, "/analytics/audit/")["count"] == 1)
    }

    @Test func theCLIRevokesAKeyOnceAndSaysSoOnlyThen() throws {
        let key = try app.addKey(name: "to revoke")
        let store = APIKeyStore(database: app.database)
        #expect(try store.revoke(id: key.id))
        #expect(try !store.revoke(id: key.id))
        #expect(try !store.revoke(id: UUID()))
        #expect(app.send(.get, "/analytics/audit/", query: "action=key.revoked")["count"] == 1)
    }

    @Test func anExpiredKeyIsRefusedLikeAnUnknownOne() throws {
        let key = try app.addKey(name: "short-lived", scopes: [.read])
        #expect(app.send(.get, "/api/v1/assistants/", key: key.secret).status == 200)
        try app.database.execute("UPDATE api_keys SET expires_at = \(Date.now.addingTimeInterval(-1)) WHERE id = \(key.id)")
        let refused = app.send(.get, "/api/v1/assistants/", key: key.secret)
        #expect(refused.status == 401)
        #expect(refused.json == app.send(.get, "/api/v1/assistants/", key: "cmp_unknown").json)
    }

    @Test func administrativeActionsAreAuditedWithTheirActorAndAddress() throws {
        let created = app.send(.post, "/api/v1/keys/", json: #"{"name": "ops", "scopes": ["analytics"]}"#)
        _ = app.send(.patch, "/api/v1/keys/\(created.id)", json: #"{"scopes": ["analytics", "read"]}"#)
        _ = app.send(.delete, "/api/v1/keys/\(created.id)")
        let assistant = assistant()
        _ = app.send(.patch, "/api/v1/assistants/\(assistant)", json: #"{"tone": "friendly"}"#)
        #expect(app.send(.post, "/api/v1/assistants/\(assistant)/versions/1/promote").status == 200)
        #expect(app.send(.delete, "/api/v1/assistants/\(assistant)").status == 204)
        let pair = app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "q?", "answer": "a."}"#)
        #expect(app.send(.delete, "/api/v1/knowledge/qas/\(pair.id)").status == 204)
        _ = try OrganizationStore(database: app.database).setRateLimit(app.organizationID, perHour: 500)

        let trail = app.send(.get, "/analytics/audit/", query: "limit=50")
        let actions = trail.items.compactMap { $0["action"]?.stringValue }
        #expect(
            actions == [
                "organization.limit_changed", "knowledge.deleted", "assistant.deleted", "assistant.promoted", "key.revoked",
                "key.scopes_changed", "key.created", "key.created",
            ])
        let promoted = try #require(trail.items.first { $0["action"] == "assistant.promoted" })
        #expect(promoted["details"] == ["from_version": 2, "to_version": 1, "rollback": true])
        #expect(promoted["actor_key_id"]?.stringValue == app.keyID.uuidString.lowercased())
        #expect(promoted["client_address"] == "127.0.0.1")
        #expect(trail.items.first?["actor_kind"] == "cli")
        #expect(trail.items.allSatisfy { !$0.serialized.contains("cmp_") })
        #expect(app.send(.get, "/analytics/audit/", query: "action=key.revoked")["count"] == 1)

        // Append-only: the database itself refuses to change or remove an event.
        #expect(throws: DatabaseError.self) { try app.db.execute("UPDATE audit_events SET action = 'x' WHERE \(app.db.condition)") }
        #expect(throws: DatabaseError.self) { try app.db.execute("DELETE FROM audit_events WHERE \(app.db.condition)") }
        // Another organization sees only its own: its key's issue and its limit, set by the CLI.
        let other = try app.newOrganizationKey()
        let theirs = app.send(.get, "/analytics/audit/", key: other.secret)
        #expect(theirs.items.compactMap { $0["action"]?.stringValue } == ["key.created", "organization.limit_changed"])
        #expect(theirs.items.allSatisfy { $0["target_id"]?.stringValue != assistant })
    }

    @Test func aBrowserTokenActsWithinItsSessionAndScopes() throws {
        let widget = try app.addKey(name: "widget", scopes: [.widget])
        let assistant = assistant()
        let mine = session(assistant: assistant, key: widget.secret)
        let theirs = session(assistant: assistant, key: widget.secret)
        let minted = app.send(
            .post, "/api/v1/tokens", json: #"{"session_id": "\#(mine.id)", "ttl_seconds": 600}"#, key: widget.secret)
        #expect(minted.status == 201)
        let token = try #require(minted["token"]?.stringValue)
        #expect(token.hasPrefix("cmt_"))
        #expect(minted["assistant_id"]?.stringValue == assistant)

        #expect(app.send(.get, "/api/v1/sessions/\(mine.id)", headers: bearer(token)).status == 200)
        #expect(app.send(.get, "/api/v1/sessions/\(theirs.id)", headers: bearer(token)).status == 404)
        #expect(app.send(.post, "/api/v1/sessions/", json: "{}", headers: bearer(token)).status == 403)
        let conversation = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(mine.id)"}"#,
            headers: bearer(token))
        #expect(conversation.status == 201)
        #expect(conversation["session_id"]?.stringValue == mine.id)
        let refused = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(theirs.id)"}"#,
            headers: bearer(token))
        #expect(refused.status == 403)
        let elsewhere = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(theirs.id)"}"#,
            key: widget.secret)
        #expect(app.send(.get, "/api/v1/conversations/\(elsewhere.id)", headers: bearer(token)).status == 404)
        #expect(app.send(.get, "/api/v1/conversations/\(conversation.id)/messages", headers: bearer(token)).status == 200)
        #expect(app.send(.get, "/api/v1/assistants/", headers: bearer(token)).status == 403)
        // Tokens do not mint tokens, and a token cannot exceed its key.
        #expect(app.send(.post, "/api/v1/tokens", json: "{}", headers: bearer(token)).status == 403)
        #expect(app.send(.post, "/api/v1/tokens", json: #"{"scopes": ["read"]}"#, key: widget.secret).status == 403)

        // Tampering with the payload or the signature is a 401, exactly as a bad key.
        let unauthorized = app.send(.get, "/api/v1/assistants/", key: "cmp_unknown")
        var tampered = Array(token)
        let index = token.index(token.startIndex, offsetBy: 10).utf16Offset(in: token)
        tampered[index] = tampered[index] == "A" ? "B" : "A"
        // The signature's 32 bytes take 43 characters, the last of which carries 2 bits base64
        // leaves unused: the 3 other characters that differ from it only there decode to the same
        // bytes, and must be refused too.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let lastCharacter = try #require(token.last)
        let last = try #require(alphabet.firstIndex(of: lastCharacter))
        let otherEndings = (0..<4).map { last & ~3 | $0 }.filter { $0 != last }.map { String(token.dropLast()) + String(alphabet[$0]) }
        for bad in [String(tampered), token + "x", String(token.dropLast(2)), "cmt_e30.AAAA"] + otherEndings {
            let response = app.send(.get, "/api/v1/sessions/\(mine.id)", headers: bearer(bad))
            #expect(response.status == 401)
            #expect(response.json == unauthorized.json)
        }
        // A token ends with the key that minted it.
        #expect(app.send(.delete, "/api/v1/keys/\(widget.id)").status == 204)
        #expect(app.send(.get, "/api/v1/sessions/\(mine.id)", headers: bearer(token)).status == 401)
    }

    @Test func expiredAndRevokedSignerTokensAreRefused() throws {
        let signer = BrowserTokenSigner(database: app.database, refreshInterval: .zero)
        let now = Int64(Date.now.timeIntervalSince1970)
        let signed = try signer.sign { kid in
            BrowserToken(
                signingKeyID: kid, organizationID: app.organizationID, keyID: app.keyID, scopes: [.widget], assistantID: nil,
                sessionID: nil, issuedAt: now, expiresAt: now + 60)
        }
        #expect(try signer.verify(signed.text) == signed.token)
        #expect(try signer.verify(signed.text, now: Date(timeIntervalSince1970: TimeInterval(now + 61))) == nil)
        #expect(try TokenSigners(database: app.database).revoke(signed.token.signingKeyID))
        #expect(try signer.verify(signed.text) == nil)
        // The next token is signed with a new secret.
        let next = try signer.sign { kid in
            BrowserToken(
                signingKeyID: kid, organizationID: app.organizationID, keyID: app.keyID, scopes: [.widget], assistantID: nil,
                sessionID: nil, issuedAt: now, expiresAt: now + 60)
        }
        #expect(next.token.signingKeyID != signed.token.signingKeyID)
        #expect(try signer.verify(next.text) == next.token)
    }

    @Test func aKeyBoundToAnAssistantReachesOnlyItsConversations() throws {
        let ours = assistant("Ours")
        let other = assistant("Other")
        let bound = try app.addKey(name: "bound widget", scopes: [.widget], assistantID: UUID(uuidString: ours))
        let opened = app.send(.post, "/api/v1/sessions/", json: "{}", key: bound.secret)
        #expect(opened["assistant_id"]?.stringValue == ours)
        #expect(session(assistant: other, key: bound.secret).status == 403)
        let foreign = session(assistant: other)
        #expect(app.send(.get, "/api/v1/sessions/\(foreign.id)", key: bound.secret).status == 404)
        let conversation = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(other)", "session_id": "\#(foreign.id)"}"#)
        #expect(app.send(.get, "/api/v1/conversations/\(conversation.id)", key: bound.secret).status == 404)
        #expect(
            app.send(
                .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(ours)", "session_id": "\#(opened.id)"}"#, key: bound.secret
            ).status == 201)
        #expect(
            app.send(
                .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(other)", "session_id": "\#(opened.id)"}"#, key: bound.secret
            ).status == 403)
    }

    /// A deployment's own policy: its gateway signs the organization it vouches for.
    struct GatewayAuthenticator: Authenticator {
        let organizationID: UUID
        let keyID: UUID
        let secret: String

        func authenticate(_ request: Request, context: AppContext) throws -> Principal? {
            guard let claim = request.headers["X-Gateway-Organization"] else { return nil }
            guard request.headers["X-Gateway-Signature"] == "\(claim):\(secret)", claim == organizationID.uuidString.lowercased()
            else { throw HTTPError.unauthorized }
            return Principal(keyID: keyID, organizationID: organizationID, scopes: [.read])
        }
    }

    @Test func aDeploymentsOwnPolicyIsAskedAfterKeysAndTokens() throws {
        let plain = try TestApp()
        let gateway = GatewayAuthenticator(organizationID: plain.organizationID, keyID: plain.keyID, secret: "s3")
        let app = try TestApp(authenticators: [gateway])
        let organization = gateway.organizationID.uuidString.lowercased()
        let vouched = ["X-Gateway-Organization": organization, "X-Gateway-Signature": "\(organization):s3", "Authorization": "x"]
        // `Authorization` set keeps TestApp from adding its key; "x" is no bearer token, so no opinion.
        let listed = app.send(.get, "/api/v1/assistants/", headers: vouched)
        #expect(listed.status == 200)
        #expect(app.send(.post, "/api/v1/assistants/", json: #"{"name": "No"}"#, headers: vouched).status == 403)
        var forged = vouched
        forged["X-Gateway-Signature"] = "\(organization):guess"
        #expect(app.send(.get, "/api/v1/assistants/", headers: forged).status == 401)
        // A key still decides when there is one: this app's own organization, not the vouched one.
        #expect(app.send(.get, "/api/v1/keys/", headers: ["X-Gateway-Organization": organization])["count"] == 1)
        // Without the policy the same headers are nobody.
        #expect(plain.send(.get, "/api/v1/assistants/", headers: vouched).status == 401)
    }
}
