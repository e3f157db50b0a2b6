import ArgumentParser
import Companin
import Foundation
import HTTP
import MariaDB

struct Org: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage organizations.", subcommands: [Create.self, List.self, SetLimit.self, SetSessionTTL.self])

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
        static let configuration = CommandConfiguration(
            abstract: "List organizations: id, created, hourly limit, session lifetime (\"default\" when not overridden), name.")

        func run() throws {
            try withDatabase { database in
                for organization in try OrganizationStore(database: database).list() {
                    let limit = organization.rateLimitPerHour.map(String.init) ?? "default"
                    let ttl = organization.sessionTTLSeconds.map(String.init) ?? "default"
                    print(
                        "\(organization.id.uuidString.lowercased())\t\(Timestamp.format(organization.createdAt))\t\(limit)\t\(ttl)\t\(organization.name)"
                    )
                }
            }
        }
    }

    struct SetLimit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-limit",
            abstract: "Set an organization's requests per hour; running responders apply it from the next request.")

        @Argument(help: "Organization id.") var org: String
        @Argument(help: "Requests per hour, or \"default\" for \(Settings.rateLimitPerHour.variable).") var limit: String

        func run() throws {
            let id = try parseID(org, "organization")
            let perHour: Int?
            if limit == "default" {
                perHour = nil
            } else if let value = Int(limit) {
                perHour = value
            } else {
                throw ValidationError("the limit must be a number of requests per hour or \"default\"")
            }
            try withDatabase { database in
                guard try OrganizationStore(database: database).setRateLimit(id, perHour: perHour) else {
                    throw ValidationError("no organization \(org)")
                }
                print("\(id.uuidString.lowercased())\t\(perHour.map(String.init) ?? "default")")
            }
        }
    }

    struct SetSessionTTL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-session-ttl",
            abstract:
                "Set the lifetime of an organization's new sessions that name none; running responders apply it from the next request.")

        @Argument(help: "Organization id.") var org: String
        @Argument(
            help: """
                Seconds, within \(Settings.sessionTTLMinimum.variable) and \(Settings.sessionTTLMaximum.variable), \
                or "default" for \(Settings.sessionTTL.variable).
                """)
        var seconds: String

        func run() throws {
            let id = try parseID(org, "organization")
            let ttl: Int?
            if seconds == "default" {
                ttl = nil
            } else if let value = Int(seconds) {
                ttl = value
            } else {
                throw ValidationError("the lifetime must be a number of seconds or \"default\"")
            }
            let configuration = try Startup.configuration()
            let bounds = configuration.sessions.lifetimes.ttlRange
            try withDatabase(configuration) { database in
                guard try OrganizationStore(database: database).setSessionTTL(id, seconds: ttl, bounds: bounds) else {
                    throw ValidationError("no organization \(org)")
                }
                print("\(id.uuidString.lowercased())\t\(ttl.map(String.init) ?? "default")")
            }
        }
    }
}

/// Runs a CLI action with a database connection, turning store refusals into a clean exit.
func withDatabase(_ body: (Connection) throws -> Void) throws {
    try withDatabase(try Startup.configuration(), body)
}

/// `withDatabase` with the configuration the command already read.
func withDatabase(_ configuration: CompaninConfiguration, _ body: (Connection) throws -> Void) throws {
    Startup.bootstrapLogging(configuration.logLevel)
    let database = Connection(configuration: try configuration.database.required(), logger: Startup.logger("companin.cli"))
    defer { database.close() }
    do {
        try body(database)
    } catch let error as StoreError {
        throw ValidationError(error.description)
    }
}
