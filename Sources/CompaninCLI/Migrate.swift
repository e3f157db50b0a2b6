import ArgumentParser
import Companin
import Foundation
import MariaDB

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations from db/migrations, in order.")

    @OptionGroup var options: MigrationOptions

    func run() throws {
        var flags = ConfigurationFlags()
        options.apply(to: &flags)
        let configuration = try Startup.configuration(flags)
        Startup.bootstrapLogging(configuration.logLevel)
        let logger = Startup.logger("companin.migrate")
        let directory = URL(fileURLWithPath: configuration.database.migrationsDirectory)
        let files = try Migration.load(from: directory)
        let database = Connection(configuration: try configuration.database.required(), logger: logger)
        defer { database.close() }
        let applied = try Migrator(connection: database, logger: logger).apply(files)
        logger.info(
            "migrations applied",
            metadata: [
                "applied": "\(applied.map(\.version))", "known": "\(files.count)",
            ])
    }
}
