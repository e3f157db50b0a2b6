import Foundation
import Logging
import MariaDB

@testable import Companin

/// The application schema on the test server (`COMPANIN_TEST_DATABASE_URL`), migrated once per run,
/// and a fresh organization per test: organizations never see each other's rows, so tests share it.
enum StoreTestDatabase {
    static let url = ProcessInfo.processInfo.environment["COMPANIN_TEST_DATABASE_URL"]
    static var isAvailable: Bool { url != nil }
    static let logger = Logger(label: "CompaninTests") { _ in SwiftLogNoOpLogHandler() }

    private static let migrated: Result<Void, any Error> = Result {
        let directory = URL(fileURLWithPath: #filePath)  // Tests/CompaninTests/Support/this file
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("db/migrations")
        _ = try Migrator(connection: try plainConnection(), logger: logger).apply(try Migration.load(from: directory))
    }

    static func plainConnection() throws -> Connection {
        guard let url else { throw DatabaseError(kind: .configuration, message: "COMPANIN_TEST_DATABASE_URL is not set") }
        return Connection(configuration: try DatabaseConfiguration(url: url), logger: logger)
    }

    /// A connection to the migrated schema.
    static func migratedConnection() throws -> Connection {
        try migrated.get()
        return try plainConnection()
    }

    /// A connection to the migrated schema, seen by a new organization.
    static func organization() throws -> ScopedConnection {
        let connection = try migratedConnection()
        let id = UUID()
        try connection.execute("INSERT INTO organizations (id, name) VALUES (\(id), \("store tests"))")
        return connection.organization(id)
    }
}
