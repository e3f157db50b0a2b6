import ArgumentParser
import Foundation
import MariaDB

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations from db/migrations, in order.")

    @Option(help: "Directory of NNNN_name.sql files (env COMPANIN_MIGRATIONS_DIR; default db/migrations).")
    var migrations: String?

    func run() throws {
        Environment.bootstrapLogging()
        let logger = Environment.logger("companin.migrate")
        let directory = URL(fileURLWithPath: migrations ?? Environment.string("COMPANIN_MIGRATIONS_DIR") ?? "db/migrations")
        let files = try Migration.load(from: directory)
        let database = Connection(configuration: try Environment.databaseConfiguration(), logger: logger)
        defer { database.close() }
        let applied = try Migrator(connection: database, logger: logger).apply(files)
        logger.info(
            "migrations applied",
            metadata: [
                "applied": "\(applied.map(\.version))", "known": "\(files.count)",
            ])
    }
}
