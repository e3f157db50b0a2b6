import Foundation
import MariaDB
import Testing

@Suite("SQL literals")
struct SQLLiteralTests {
    @Test func interpolatedValuesBecomePlaceholdersAndBindings() {
        let id = UUID()
        let name: String? = nil
        let sql: SQL = "SELECT a FROM t WHERE id = \(id) AND name <=> \(name) AND n > \(3)"
        #expect(sql.text == "SELECT a FROM t WHERE id = ? AND name <=> ? AND n > ?")
        #expect(sql.bindings == [id.databaseValue, .null, .int(3)])
        #expect(sql.description == sql.text)
    }

    @Test func fragmentsCarryTheirBindingsInOrder() {
        let condition: SQL = "b = \("x")"
        var sql: SQL = "SELECT 1 FROM t WHERE a = \(1) AND \(condition) AND c = \(2)"
        sql.append("LIMIT \(5)")
        #expect(sql.text == "SELECT 1 FROM t WHERE a = ? AND b = ? AND c = ? LIMIT ?")
        #expect(sql.bindings == [.int(1), .text("x"), .int(2), .int(5)])
        let joined = SQL.joined(["a = \(1)", "b = \(2)"], separator: " OR ")
        #expect(joined.text == "a = ? OR b = ?")
        #expect(joined.bindings == [.int(1), .int(2)])
    }

    @Test func listsHaveAStableShape() {
        func list(_ values: [Int]) -> SQL { "x IN \(list: values)" }
        #expect(list([]).text == "x IN (NULL)")
        #expect(list([]).bindings.isEmpty)
        #expect(list([7]).text == "x IN (?)")
        #expect(list([1, 2, 3]).text == list([1, 2, 3, 4]).text)
        #expect(list([1, 2, 3]).bindings == [.int(1), .int(2), .int(3), .int(3)])
        #expect(list(Array(1...5)).text == list(Array(1...8)).text)
        #expect(list(Array(1...5)).bindings.count == 8)
        // Lengths 1…1000 need only 11 statement texts.
        #expect(Set((1...1000).map { list(Array(repeating: 0, count: $0)).text }).count == 11)
    }

    @Test func identifiersAreWrittenNotBound() {
        let sql: SQL = "SELECT \(columns: ["id", "s.name"]) FROM \(identifier: "assistants")"
        #expect(sql.text == "SELECT id, s.name FROM assistants")
        #expect(sql.bindings.isEmpty)
    }

    @Test func columnNamesAreSnakeCase() {
        #expect(snakeCaseColumnName("id") == "id")
        #expect(snakeCaseColumnName("createdAt") == "created_at")
        #expect(snakeCaseColumnName("assistantID") == "assistant_id")
        #expect(snakeCaseColumnName("createdByAPIKeyID") == "created_by_api_key_id")
        #expect(snakeCaseColumnName("sha256") == "sha256")
        #expect(snakeCaseColumnName("chunksDone") == "chunks_done")
        #expect(snakeCaseColumnName("sourceURL") == "source_url")
    }
}

/// A record with every kind of property the decoder and encoder handle.
private struct Widget: DatabaseRecord, Equatable {
    enum Status: String, Codable { case draft, ready }
    struct Dimensions: FlattenedColumns, Equatable {
        var widthMM: Int
        var heightMM: Int
    }
    struct Tag: Codable, Equatable {
        var name: String
        var weight: Double
    }

    static let databaseTable = "widgets_under_test"
    static let databaseColumns = [
        "id", "name", "status", "width_mm", "height_mm", "tags", "attributes", "note", "created_by_api_key_id", "created_at",
    ]

    var id: UUID
    var name: String
    var status: Status
    var dimensions: Dimensions
    var tags: [Tag]
    var attributes: [String: String]
    var note: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, name, status, dimensions, tags, attributes, note, createdByAPIKeyID, createdAt
    }
}

@Suite("Rows decoded and records stored", .enabled(if: TestDatabase.isAvailable))
struct RecordTests {
    let connection: Connection
    let table: String

    init() throws {
        connection = try TestDatabase.connection()
        table = Widget.databaseTable
        try connection.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS \(table) (
                    organization_id UUID NOT NULL, id UUID NOT NULL, name VARCHAR(100) NOT NULL,
                    status VARCHAR(10) NOT NULL, width_mm INT NOT NULL, height_mm INT NOT NULL,
                    tags JSON NOT NULL, attributes JSON NOT NULL, note TEXT NULL, created_by_api_key_id UUID NULL,
                    created_at DATETIME(6) NOT NULL, PRIMARY KEY (organization_id, id))
                """)
    }

    private func widget(_ name: String, note: String? = nil) -> Widget {
        Widget(
            id: UUID(), name: name, status: .ready, dimensions: .init(widthMM: 210, heightMM: 297),
            tags: [.init(name: "ção/", weight: 0.5)], attributes: ["cor": "azul"], note: note,
            createdByAPIKeyID: note == nil ? nil : UUID(), createdAt: Date(timeIntervalSince1970: 1_780_000_000.123456))
    }

    @Test func aRecordRoundTripsThroughItsScope() throws {
        let organization = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        let stored = widget("first", note: "a note")
        try organization.insert(stored)
        let found = try #require(try organization.find(Widget.self, where: "id = \(stored.id)"))
        #expect(found == stored)
        // Another scope does not see it, and its generic operations cannot reach it either.
        let other = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        #expect(try other.find(Widget.self, where: "id = \(stored.id)") == nil)
        #expect(try other.page(Widget.self, orderBy: "id", limit: 10, offset: 0).count == 0)
        try other.update(table, set: [("name", .text("stolen"))], where: "id = \(stored.id)")
        #expect(try organization.find(Widget.self, where: "id = \(stored.id)")?.name == "first")
    }

    @Test func pagesCountEveryMatchingRowOfTheScopeOnly() throws {
        let organization = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        let names = (0..<5).map { "w\($0)" }
        for name in names { try organization.insert(widget(name)) }
        try connection.scoped(to: Scope(column: "organization_id", value: UUID())).insert(widget("elsewhere"))
        let page = try organization.page(Widget.self, where: "name <> \("w0")", orderBy: "name", limit: 2, offset: 1)
        #expect(page.count == 4)
        #expect(page.items.map(\.name) == ["w2", "w3"])
        let all = try organization.all(Widget.self, where: "name IN \(list: ["w1", "w4", "nope"])", orderBy: "name DESC")
        #expect(all.map(\.name) == ["w4", "w1"])
    }

    @Test func anUnscopedStatementIsRefusedBeforeTheServerSeesIt() throws {
        let organization = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        #expect(throws: DatabaseError.self) {
            try organization.rows("SELECT id FROM \(identifier: table) WHERE name = \("x")")
        }
        #expect(throws: DatabaseError.self) {
            // Another scope's condition does not count.
            let other = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
            try organization.execute("DELETE FROM \(identifier: table) WHERE \(other.condition)")
        }
        #expect(try organization.rows("SELECT id FROM \(identifier: table) w WHERE \(organization.condition("w"))").isEmpty)
    }

    @Test func decodingNamesTheColumnThatFailed() throws {
        let organization = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        try organization.insert(widget("x"))
        do {
            _ = try organization.fetchAll(Widget.self, "SELECT id, name FROM \(identifier: table) WHERE \(organization.condition)")
            Issue.record("a missing column must fail")
        } catch let error as DatabaseError {
            #expect(error.kind == .decoding)
            #expect(error.message.contains("status"))
        }
        do {
            _ = try organization.fetchAll(
                Widget.self,
                "SELECT id, name, 'broken' AS status, width_mm, height_mm, tags, attributes, note, created_by_api_key_id, created_at FROM \(identifier: table) WHERE \(organization.condition)"
            )
            Issue.record("an unknown enum value must fail")
        } catch let error as DatabaseError {
            #expect(error.kind == .decoding)
            #expect(error.message.contains("status"))
            #expect(!error.message.contains("broken"), "decoding errors never quote a value")
        }
        #expect(try connection.fetchOne(Int.self, "SELECT COUNT(*) FROM \(identifier: table) WHERE \(organization.condition)") == 1)
    }

    @Test func aPaddedListFindsExactlyItsValues() throws {
        let organization = connection.scoped(to: Scope(column: "organization_id", value: UUID()))
        let widgets = (0..<3).map { widget("l\($0)") }
        for item in widgets { try organization.insert(item) }
        let ids = widgets.map(\.id)
        for count in 0...3 {
            let found = try organization.fetchAll(
                UUID.self, "SELECT id FROM \(identifier: table) WHERE \(organization.condition) AND id IN \(list: ids.prefix(count))")
            #expect(Set(found) == Set(ids.prefix(count)))
        }
    }
}

@Suite("Rows encoded")
struct RowEncoderTests {
    @Test func nilOptionalsStillWriteTheirColumns() throws {
        struct Sparse: Encodable {
            var name: String?
            var count: Int?
            var ratio: Double?
            var flag: Bool?
            var id: UUID?
        }
        let columns = try RowEncoder().encode(Sparse())
        #expect(columns.map(\.column) == ["name", "count", "ratio", "flag", "id"])
        #expect(columns.allSatisfy { $0.value == .null })
        let full = try RowEncoder().encode(Sparse(name: "n", count: 2, ratio: 0.5, flag: true, id: nil))
        #expect(full.map(\.value) == [.text("n"), .int(2), .double(0.5), .int(1), .null])
    }
}
