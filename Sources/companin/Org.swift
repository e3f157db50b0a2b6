import ArgumentParser
import Companin
import Foundation
import HTTP
import MariaDB

struct Org: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage organizations.", subcommands: [Create.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization; prints its id.")

        @Argument(help: "Display name.") var name: String

        func run() throws {
            try withDatabase { database in
                let organization = try OrganizationStore(database: database).create(name: name)
                print(organization.id.uuidString.lowercased())
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations: id, created, name.")

        func run() throws {
            try withDatabase { database in
                for organization in try OrganizationStore(database: database).list() {
                    print("\(organization.id.uuidString.lowercased())\t\(Timestamp.format(organization.createdAt))\t\(organization.name)")
                }
            }
        }
    }
}

/// Runs a CLI action with a database connection, turning store refusals into a clean exit.
func withDatabase(_ body: (Connection) throws -> Void) throws {
    Environment.bootstrapLogging()
    let database = Connection(configuration: try Environment.databaseConfiguration(), logger: Environment.logger("companin.cli"))
    defer { database.close() }
    do {
        try body(database)
    } catch let error as StoreError {
        throw ValidationError(error.description)
    }
}
