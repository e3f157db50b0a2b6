import ArgumentParser
import Companin
import Foundation
import MariaDB

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Database administration.", subcommands: [GrantReporting.self])

    struct GrantReporting: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grant-reporting",
            abstract: "Create (or update) a read-only account that may SELECT the report_* views and nothing else.",
            discussion: """
                Connects as \(Settings.adminDatabaseURL.variable) when set (an account allowed to create users and grant), \
                else as \(Settings.databaseURL.variable). Prints the password when it generated one.
                """)

        @Argument(help: "Account name, e.g. reporting.") var user: String
        @Option(help: "Host part of the account.") var host: String = "localhost"
        @Option(help: "Password (default: a new random one for a new account).") var password: String?

        func run() throws {
            let configuration = try Startup.configuration()
            Startup.bootstrapLogging(configuration.logLevel)
            let database = Connection(configuration: try configuration.database.administration(), logger: Startup.logger("companin.cli"))
            defer { database.close() }
            let generated = password == nil ? ReportingAccount.generatePassword() : nil
            do {
                let exists = try !database.query(
                    sql: "SELECT 1 AS found FROM mysql.user WHERE User = ? AND Host = ?",
                    [.text(user), .text(host)]
                ).isEmpty
                let views = try ReportingAccount(database: database).grant(
                    user: user, host: host, password: password ?? (exists ? nil : generated))
                print("'\(user)'@'\(host)' may SELECT \(views.joined(separator: ", "))")
                if !exists, password == nil, let generated { print("password: \(generated)") }
            } catch let error as StoreError {
                throw ValidationError(error.description)
            }
        }
    }
}
