import Foundation
import HTTP
import Testing

@testable import Companin

@Suite struct SessionModelTests {
    func context(_ position: Int, _ attributes: [String: JSONValue], crm: CRMReference? = nil) -> SessionContext {
        SessionContext(
            id: UUID(), sessionID: UUID(), position: position, attributes: attributes, crm: crm,
            createdByAPIKeyID: nil, createdAt: .now, updatedAt: .now)
    }

    @Test func laterContextsWinAndObjectsMergeKeyByKey() {
        let merged = SessionContext.mergedAttributes([
            context(
                1,
                [
                    "plan": .string("basic"), "address": .object(["city": .string("Lisboa"), "zip": .string("1000")]),
                    "tags": .array([.string("a")]),
                ]),
            context(2, ["plan": .string("pro"), "address": .object(["city": .string("Porto")]), "tags": .array([.string("b")])]),
            context(3, ["address": .string("withheld"), "vip": .null]),
        ])
        #expect(merged == ["plan": .string("pro"), "address": .string("withheld"), "tags": .array([.string("b")]), "vip": .null])
        #expect(SessionContext.mergedAttributes([]) == [:])
        let nested = SessionContext.mergedAttributes([
            context(1, ["a": .object(["b": .object(["c": .int(1), "d": .int(2)])])]),
            context(2, ["a": .object(["b": .object(["c": .int(3)])])]),
        ])
        #expect(nested == ["a": .object(["b": .object(["c": .int(3), "d": .int(2)])])])
    }

    @Test func crmReferencesAreListedOnceInFirstOrder() {
        let first = context(1, [:], crm: CRMReference(system: "hubspot", recordID: "1", url: nil))
        let second = context(2, [:], crm: CRMReference(system: "salesforce", recordID: "9", url: nil))
        let again = context(3, [:], crm: CRMReference(system: "hubspot", recordID: "1", url: "https://crm.example.com/1"))
        let references = SessionContext.crmReferences([first, second, context(4, [:]), again])
        #expect(references.map(\.reference.system) == ["hubspot", "salesforce"])
        #expect(references[0].reference.url == "https://crm.example.com/1" && references[0].contextID == again.id)
    }

    @Test func attributeLimitsNameTheOffendingPath() {
        #expect(ContextAttributes.check(["a": .object(["b": .object(["c": .object(["d": .int(1)])])])]).isEmpty)
        let deep = ContextAttributes.check(["a": .object(["b": .object(["c": .object(["d": .object([:])])])])])
        #expect(deep.map(\.type) == ["too_deep"])
        let long = ContextAttributes.check([
            "note": .string(String(repeating: "x", count: 2_001)), String(repeating: "k", count: 101): .int(1),
        ])
        #expect(Set(long.map(\.loc)) == [[.key("note")], [.key(String(repeating: "k", count: 101))]])
        var many: [String: JSONValue] = [:]
        for index in 0..<60 { many["k\(index)"] = .object(["x": .int(1)]) }
        #expect(ContextAttributes.check(many).map(\.msg) == ["Attributes should have at most 100 keys, not 120"])
        #expect(ContextAttributes.check(["list": .array(Array(repeating: .int(1), count: 101))]).map(\.loc) == [[.key("list")]])
    }

    @Test func stateIsExpiredPastExpiryUnlessEnded() {
        let now = Date.now
        var session = Session(
            id: UUID(), assistantID: nil, visitorID: UUID(), initialVisitorID: UUID(), authenticated: false, channel: "web",
            storedState: .active, metadata: [:], ttlSeconds: 60, sliding: true, expiresAt: now.addingTimeInterval(1),
            lastActivityAt: now, identifiedAt: nil, endedAt: nil, endReason: nil, createdByAPIKeyID: nil, createdAt: now, updatedAt: now)
        #expect(session.state(at: now) == .active && session.isOpen(at: now))
        #expect(session.state(at: now.addingTimeInterval(1)) == .expired)
        session.storedState = .ended
        #expect(session.state(at: now.addingTimeInterval(5)) == .ended && !session.isOpen(at: now))
    }

    @Test func lifetimeComesFromTheRequestTheOrganizationOrThePlatform() {
        let configuration = SessionConfiguration(defaultTTLSeconds: 1_800, minimumTTLSeconds: 60, maximumTTLSeconds: 3_600)
        #expect(configuration.isValid)
        #expect(configuration.ttl(requested: 90, organizationDefault: 600) == 90)
        #expect(configuration.ttl(requested: nil, organizationDefault: 600) == 600)
        #expect(configuration.ttl(requested: nil, organizationDefault: nil) == 1_800)
        #expect(configuration.ttl(requested: nil, organizationDefault: 86_400) == 3_600)
        #expect(!SessionConfiguration(defaultTTLSeconds: 30, minimumTTLSeconds: 60, maximumTTLSeconds: 3_600).isValid)
    }

    @Test func sessionInputCollectsEveryProblem() throws {
        let body = #"""
            {"channel": "web widget", "ttl_seconds": 5, "visitor": {"id": "x", "email": "a@b", "phone": "call me", "extra": 1},
             "assistant_id": "1"}
            """#
        let reader = try Request(method: .post, path: "/", headers: ["Content-Type": "application/json"], body: Data(body.utf8))
            .jsonObjectBody()
        let error = #expect(throws: ValidationError.self) { try SessionInput(reader, partial: false, configuration: .standard) }
        if let error {
            #expect(
                Set(error.errors.map(\.loc))
                    == Set(
                        [
                            "channel", "ttl_seconds", "visitor.id", "visitor.email", "visitor.phone",
                            "visitor.extra", "assistant_id",
                        ].map { path in
                            [FieldError.Location.key("body")] + path.split(separator: ".").map { .key(String($0)) }
                        }))
        }
    }
}
