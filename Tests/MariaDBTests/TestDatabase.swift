import Foundation
import Logging
import MariaDB

/// The server DB tests run against, from `COMPANIN_TEST_DATABASE_URL`; DB tests are skipped
/// when it is unset.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["COMPANIN_TEST_DATABASE_URL"]

    static var isAvailable: Bool {
        url != nil
    }

    static let logger = Logger(label: "MariaDBTests") { _ in SwiftLogNoOpLogHandler() }

    static func configuration() throws -> DatabaseConfiguration {
        guard let url else {
            throw DatabaseError(kind: .configuration, message: "COMPANIN_TEST_DATABASE_URL is not set")
        }
        return try DatabaseConfiguration(url: url)
    }

    static func connection() throws -> Connection {
        Connection(configuration: try configuration(), logger: logger)
    }

    /// A table or object name no other test (or concurrent test run) uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }
}
