import Foundation
import MariaDB
import Testing

@Suite("Migrator", .enabled(if: TestDatabase.isAvailable), .serialized)
struct MigratorTests {
    /// A directory of migration files whose tables carry a unique suffix, and a migrator that
    /// records into its own table, so runs never collide with each other or the real schema.
    final class Fixture {
        let directory: URL
        let suffix = TestDatabase.uniqueName("m")
        let connection: Connection
        let migrator: Migrator
        let historyTable: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrator-\(suffix)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            connection = try TestDatabase.connection()
            historyTable = "schema_migrations_\(suffix)"
            migrator = Migrator(connection: connection, logger: TestDatabase.logger, tableName: historyTable)
        }

        func write(_ fileName: String, _ sql: String) throws {
            try sql.write(to: directory.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
        }

        func load() throws -> [Migration] {
            try Migration.load(from: directory)
        }

        deinit {
            for table in ["notes_\(suffix)", "tags_\(suffix)", historyTable] {
                _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)")
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func appliesInOrderAndIsIdempotent() throws {
        let fixture = try Fixture()
        let notes = "notes_\(fixture.suffix)"
        // 0010 only works after 0002, which only works after 0001: numeric order matters.
        try fixture.write("0001_create_notes.sql", "CREATE TABLE \(notes) (id INT PRIMARY KEY, body TEXT) ENGINE=InnoDB;\n")
        try fixture.write("0002_seed_notes.sql", "INSERT INTO \(notes) VALUES (1, 'first');\nINSERT INTO \(notes) VALUES (2, 'second');\n")
        try fixture.write(
            "0010_add_title.sql", "ALTER TABLE \(notes) ADD COLUMN title VARCHAR(100) NULL;\nUPDATE \(notes) SET title = 'seeded';\n")
        try fixture.write("README.md", "How to write migrations.")

        let migrations = try fixture.load()
        #expect(try fixture.migrator.pending(migrations).map(\.version) == [1, 2, 10])
        let applied = try fixture.migrator.apply(migrations)
        #expect(applied.map(\.version) == [1, 2, 10])
        #expect(
            try fixture.connection.query(sql: "SELECT COUNT(*) AS n FROM \(notes) WHERE title = 'seeded'").first?.decode(Int.self, "n") == 2
        )

        let history = try fixture.connection.query(
            sql: "SELECT version, name, checksum, applied_at, execution_ms FROM \(fixture.historyTable) ORDER BY version")
        #expect(try history.map { try $0.decode(Int.self, "version") } == [1, 2, 10])
        #expect(try history.map { try $0.decode(String.self, "name") } == ["create_notes", "seed_notes", "add_title"])
        #expect(try history.map { try $0.decode(String.self, "checksum") } == migrations.map(\.checksum))
        #expect(try history[0].decode(Date.self, "applied_at").timeIntervalSinceNow > -600)

        #expect(try fixture.migrator.apply(try fixture.load()).isEmpty)
        #expect(try fixture.migrator.pending(try fixture.load()).isEmpty)

        try fixture.write("0011_more_notes.sql", "INSERT INTO \(notes) (id, body) VALUES (3, 'third');")
        #expect(try fixture.migrator.apply(try fixture.load()).map(\.version) == [11])
        #expect(try fixture.connection.query(sql: "SELECT COUNT(*) AS n FROM \(notes)").first?.decode(Int.self, "n") == 3)
    }

    @Test func changedChecksumIsAnErrorNamingTheVersion() throws {
        let fixture = try Fixture()
        let tags = "tags_\(fixture.suffix)"
        try fixture.write("0001_create_tags.sql", "CREATE TABLE \(tags) (id INT PRIMARY KEY);")
        try fixture.write("0002_seed_tags.sql", "INSERT INTO \(tags) VALUES (1);")
        try fixture.migrator.apply(try fixture.load())

        try fixture.write("0002_seed_tags.sql", "INSERT INTO \(tags) VALUES (1), (2);")
        try fixture.write("0003_more_tags.sql", "INSERT INTO \(tags) VALUES (3);")
        for attempt in [{ _ = try fixture.migrator.pending(try fixture.load()) }, { _ = try fixture.migrator.apply(try fixture.load()) }] {
            do {
                try attempt()
                Issue.record("an edited migration must not pass")
            } catch let error as DatabaseError {
                #expect(error.kind == .migration)
                #expect(error.message.contains("0002_seed_tags.sql"))
            }
        }
        // Nothing ran: neither the edited file again nor the new one.
        #expect(try fixture.connection.query(sql: "SELECT COUNT(*) AS n FROM \(tags)").first?.decode(Int.self, "n") == 1)
    }

    @Test func failingMigrationIsNotRecordedAndStopsTheRun() throws {
        let fixture = try Fixture()
        let tags = "tags_\(fixture.suffix)"
        try fixture.write("0001_create_tags.sql", "CREATE TABLE \(tags) (id INT PRIMARY KEY) ENGINE=InnoDB;")
        try fixture.write("0002_broken.sql", "INSERT INTO \(tags) VALUES (1);\nINSERT INTO \(tags) VALUES (1);")
        try fixture.write("0003_after.sql", "INSERT INTO \(tags) VALUES (3);")
        do {
            try fixture.migrator.apply(try fixture.load())
            Issue.record("the broken migration should fail")
        } catch let error as DatabaseError {
            #expect(error.kind == .migration)
            #expect(error.isDuplicateKey)
            #expect(error.message.contains("0002_broken.sql"))
            #expect(error.message.contains("statement 2"))
        }
        // 0002 ran in a transaction (no DDL), so its first insert was rolled back too.
        #expect(try fixture.connection.query(sql: "SELECT COUNT(*) AS n FROM \(tags)").first?.decode(Int.self, "n") == 0)
        #expect(try fixture.migrator.pending(try fixture.load()).map(\.version) == [2, 3])
        // The lock was released even though apply threw (another test may hold it by now).
        let holder = try fixture.connection.query(sql: "SELECT IS_USED_LOCK(?) AS holder", [.text(Migrator.lockName)])
        let id = try #require(fixture.connection.connectionID)
        #expect(try holder.first?.decode(UInt64?.self, "holder") != UInt64(id))
    }
}
