import Foundation
import MariaDB
import Testing

@Suite("Migration files")
struct MigrationTests {
    @Test func ordersByNumericVersion() throws {
        let migrations = try Migration.parse(files: [
            "0010_add_index.sql": "CREATE INDEX i ON t (a);",
            "0002_create_table.sql": "CREATE TABLE t (a INT);",
            "0001_init.sql": "SELECT 1;",
            "10000_far_future.sql": "SELECT 2;",
        ])
        #expect(migrations.map(\.version) == [1, 2, 10, 10000])
        #expect(migrations.map(\.name) == ["init", "create_table", "add_index", "far_future"])
        #expect(migrations[2].fileName == "0010_add_index.sql")
    }

    @Test func ignoresFilesThatAreNotSQL() throws {
        let migrations = try Migration.parse(files: [
            "README.md": "# Migrations",
            "0001_init.sql": "SELECT 1;",
            ".0002_hidden.sql": "SELECT 2;",
            "notes.txt": "",
        ])
        #expect(migrations.map(\.version) == [1])
        #expect(try Migration.parse(fileName: "README", contents: "x") == nil)
    }

    @Test func duplicateVersionThrows() {
        #expect(throws: DatabaseError.self) {
            try Migration.parse(files: [
                "0002_a.sql": "SELECT 1;",
                "002_b.sql": "SELECT 1;",
            ])
        }
        do {
            _ = try Migration.parse(files: ["0003_a.sql": "SELECT 1;", "00003_b.sql": "SELECT 1;"])
            Issue.record("expected a duplicate version error")
        } catch let error as DatabaseError {
            #expect(error.kind == .migration)
            #expect(error.message.contains("0003_a.sql"))
            #expect(error.message.contains("00003_b.sql"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test(arguments: [
        "create_users.sql",
        "001_short_version.sql",
        "0001.sql",
        "0001_.sql",
        "0001_CamelCase.sql",
        "0001_two__underscores.sql",
        "0001_trailing_.sql",
        "0001-dash.sql",
        "0001_spaces here.sql",
        "v0001_init.sql",
        "0001_init.SQL",
        "0001_ünïcode.sql",
        "99999999999_too_big.sql",
    ])
    func badNamesThrow(_ fileName: String) {
        #expect(throws: DatabaseError.self) {
            try Migration.parse(fileName: fileName, contents: "SELECT 1;")
        }
    }

    @Test func emptyFileThrows() {
        #expect(throws: DatabaseError.self) {
            try Migration.parse(fileName: "0001_empty.sql", contents: " \n\t")
        }
    }

    @Test func checksumIsFNV1a64OfTheBytes() throws {
        // Reference values of FNV-1a 64.
        #expect(Migration(version: 1, name: "x", sql: "").checksum == "cbf29ce484222325")
        #expect(Migration(version: 1, name: "x", sql: "a").checksum == "af63dc4c8601ec8c")
        #expect(Migration(version: 1, name: "x", sql: "foobar").checksum == "85944171f73967e8")
        let first = try #require(try Migration.parse(fileName: "0001_a.sql", contents: "SELECT 1;"))
        let edited = try #require(try Migration.parse(fileName: "0001_a.sql", contents: "SELECT 2;"))
        #expect(first.checksum != edited.checksum)
        #expect(first.checksum.count == 16)
    }

    @Test func loadsFromADirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "SELECT 10;".write(to: directory.appendingPathComponent("0010_ten.sql"), atomically: true, encoding: .utf8)
        try "SELECT 2;".write(to: directory.appendingPathComponent("0002_two.sql"), atomically: true, encoding: .utf8)
        try "docs".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("archive"), withIntermediateDirectories: true)

        let migrations = try Migration.load(from: directory)
        #expect(migrations.map(\.version) == [2, 10])
        #expect(migrations[0].sql == "SELECT 2;")

        try "SELECT 1;".write(to: directory.appendingPathComponent("1_bad.sql"), atomically: true, encoding: .utf8)
        #expect(throws: DatabaseError.self) {
            try Migration.load(from: directory)
        }
    }

    @Test func missingDirectoryThrows() {
        #expect(throws: DatabaseError.self) {
            try Migration.load(from: URL(fileURLWithPath: "/nonexistent/\(UUID().uuidString)"))
        }
    }
}
