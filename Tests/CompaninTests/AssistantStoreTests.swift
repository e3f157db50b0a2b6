import Foundation
import HTTP
import MariaDB
import Testing

@testable import Companin

/// The assistant store against MariaDB: what each organization's handle can see and change.
@Suite("Assistant store", .enabled(if: TestApp.isAvailable))
struct AssistantStoreTests {
    let app: TestApp
    let store: AssistantStore

    init() throws {
        app = try TestApp()
        store = AssistantStore(app.db)
    }

    private func input(_ name: String) throws -> AssistantInput {
        try AssistantInput(FieldReader(["name": .string(name), "tone": .string("calm")], location: [.key("body")]), requireName: true)
    }

    @Test func createsFindsAndPagesWithinTheOrganization() throws {
        let first = try store.create(try input("Primeiro"), by: nil)
        let second = try store.create(try input("Segundo"), by: nil)
        #expect(try store.find(first.id) == first)
        let page = try store.list(Pagination(limit: 1, offset: 1))
        #expect(page.count == 2)
        #expect(page.items.map(\.id) == [second.id])
        let versions = try #require(try store.versions(of: first.id, Pagination()))
        #expect(versions.items.map(\.version) == [1])
        #expect(versions.items.first?.isLive == true)
        #expect(versions.items.first?.configuration.tone == "calm")
    }

    @Test func anotherOrganizationSeesNothingAndChangesNothing() throws {
        let mine = try store.create(try input("Meu"), by: nil)
        let other = AssistantStore(try TestApp().db)
        #expect(try other.find(mine.id) == nil)
        #expect(try other.list(Pagination()).count == 0)
        #expect(try other.delete(mine.id) == false)
        #expect(try other.setActive(mine.id, false, ifMatch: nil) == nil)
        #expect(try store.find(mine.id)?.isActive == true)
    }

    @Test func aChangeIsANewVersionAndAStaleIfMatchIsRefused() throws {
        let created = try store.create(try input("Versões"), by: nil)
        let change = try AssistantInput(FieldReader(["tone": .string("warm")], location: [.key("body")]), requireName: false)
        let changed = try #require(try store.update(created.id, change, ifMatch: created.etag, by: nil))
        #expect(changed.latestVersion == 2)
        #expect(changed.liveVersion == 2)
        #expect(changed.configuration.tone == "warm")
        #expect(changed.etag != created.etag)
        #expect(throws: HTTPError.self) { try store.update(created.id, change, ifMatch: created.etag, by: nil) }
        let rolledBack = try #require(try store.promote(created.id, version: 1, ifMatch: changed.etag))
        #expect(rolledBack.configuration.tone == "calm")
        #expect(try store.version(of: created.id, number: 1)?.isLive == true)
        #expect(try store.version(of: created.id, number: 2)?.isLive == false)
        // What was written is what is read back, field for field.
        #expect(try store.find(created.id) == rolledBack)
    }

    @Test func theScopedHandleRefusesAStatementWithoutTheOrganization() throws {
        #expect(throws: DatabaseError.self) { try app.db.rows("SELECT id FROM assistants") }
    }
}
