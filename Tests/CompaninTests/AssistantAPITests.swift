import Companin
import Foundation
import HTTP
import MariaDB
import Testing

/// Per-endpoint behaviour of the assistants API, in process: the same middleware, router and
/// stores as a responder, against MariaDB, without nginx.
@Suite("Assistants API in process", .enabled(if: TestApp.isAvailable))
struct AssistantAPITests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    @Test func createReadChangeAndDelete() throws {
        let created = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Atendimento", "language": "pt-br", "tone": "cordial"}"#)
        #expect(created.status == 201)
        #expect(created["language"] == .string("pt-BR"))
        #expect(created["task_templates"] == .array([]))
        #expect(created["live_version"] == .int(1))
        guard case .string(let id) = created["id"] else {
            Issue.record("no id")
            return
        }
        let etag = try #require(created.header("ETag"))

        let read = app.send(.get, "/api/v1/assistants/\(id)")
        #expect(read.status == 200)
        #expect(read.json == created.json)

        let stale = app.send(.patch, "/api/v1/assistants/\(id)", json: #"{"tone": "direto"}"#, headers: ["If-Match": "\"nope-1\""])
        #expect(stale.status == 412)
        let changed = app.send(.patch, "/api/v1/assistants/\(id)", json: #"{"tone": "direto"}"#, headers: ["If-Match": etag])
        #expect(changed.status == 200)
        #expect(changed["tone"] == .string("direto"))
        #expect(changed["latest_version"] == .int(2))

        let versions = app.send(.get, "/api/v1/assistants/\(id)/versions/")
        #expect(versions["count"] == .int(2))

        #expect(app.send(.delete, "/api/v1/assistants/\(id)").status == 204)
        #expect(app.send(.get, "/api/v1/assistants/\(id)").status == 404)
    }

    /// The list's count comes from `assistant_counts`, which triggers keep: it must agree with the
    /// rows after creates, API deletes, a DBA's SQL (undelete, hard delete) and a purge.
    @Test func theListsCountFollowsEveryWayAssistantsComeAndGo() throws {
        func listed() -> JSONValue? {
            let page = app.send(.get, "/api/v1/assistants/", query: "limit=1")
            #expect(page.status == 200, "\(page.json)")
            return page["count"]
        }
        func counted() throws -> Int {
            try app.db.fetchOne(Int.self, "SELECT COUNT(*) FROM assistants WHERE \(app.db.condition) AND deleted_at IS NULL") ?? -1
        }
        var ids: [String] = []
        for index in 0..<5 {
            guard case .string(let id) = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Contado \#(index)"}"#)["id"] else {
                Issue.record("no id")
                return
            }
            ids.append(id)
        }
        #expect(listed() == .int(5))
        #expect(app.send(.delete, "/api/v1/assistants/\(ids[0])").status == 204)
        #expect(app.send(.delete, "/api/v1/assistants/\(ids[1])").status == 204)
        #expect(listed() == .int(3))
        try app.db.execute("UPDATE assistants SET deleted_at = NULL WHERE \(app.db.condition) AND id = \(ids[1])")
        try app.db.execute("DELETE FROM assistants WHERE \(app.db.condition) AND id = \(ids[2])")
        #expect(listed() == .int(3))
        #expect(
            try AssistantPurge(database: app.database).purge(deletedBefore: .now.addingTimeInterval(60), organizationID: app.organizationID)
                == 1)
        #expect(listed() == .int(3))
        #expect(try counted() == 3)
    }

    @Test func invalidInputIsOne422ListingEveryProblemAndWritesNothing() throws {
        let response = app.send(.post, "/api/v1/assistants/", json: #"{"name": "", "tone": 3, "colour": "blue"}"#)
        #expect(response.status == 422)
        let locations = response["detail"]?.arrayValue?.compactMap { $0.objectValue?["loc"] } ?? []
        #expect(locations.contains(.array([.string("body"), .string("name")])))
        #expect(locations.contains(.array([.string("body"), .string("tone")])))
        #expect(locations.contains(.array([.string("body"), .string("colour")])))
        #expect(app.send(.get, "/api/v1/assistants/")["count"] == .int(0))
    }

    @Test func anotherOrganizationsAssistantIsNotFound() throws {
        let created = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Privado"}"#)
        guard case .string(let id) = created["id"] else {
            Issue.record("no id")
            return
        }
        let other = try TestApp()
        #expect(other.send(.get, "/api/v1/assistants/\(id)").status == 404)
        #expect(other.send(.delete, "/api/v1/assistants/\(id)").status == 404)
        #expect(app.send(.get, "/api/v1/assistants/\(id)").status == 200)
    }

    @Test func anUnknownKeyIs401() {
        #expect(app.send(.get, "/api/v1/assistants/", key: "cmp_not-a-key").status == 401)
    }
}
