import ArgumentParser
import Companin
import Foundation
import HTTP
import MariaDB

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys.", subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API key; prints the key once (only its hash is stored).")

        @Option(help: "Organization id.") var org: String
        @Option(help: "A label for the key.") var name: String = "default"
        @Flag(help: "An operator key: may read any organization's analytics with organization_id=ID or all.") var `operator` = false

        func run() throws {
            let organizationID = try parseID(org, "organization")
            try withDatabase { database in
                let (key, secret) = try APIKeyStore(database: database).create(
                    organizationID: organizationID, name: name,
                    isOperator: `operator`)
                FileHandle.standardError.write(
                    Data(
                        """
                        key \(key.id.uuidString.lowercased()) (\(key.prefix)…) issued for organization \(org); \
                        store it now: it cannot be shown again.\n
                        """.utf8))
                print(secret)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's keys: id, prefix, created, state, kind (key or operator), name.")

        @Option(help: "Organization id.") var org: String

        func run() throws {
            let organizationID = try parseID(org, "organization")
            try withDatabase { database in
                for key in try APIKeyStore(database: database).list(organizationID: organizationID) {
                    let state = key.revokedAt.map { "revoked \(Timestamp.format($0))" } ?? "active"
                    print(
                        "\(key.id.uuidString.lowercased())\t\(key.prefix)…\t\(Timestamp.format(key.createdAt))\t\(state)\t\(key.isOperator ? "operator" : "key")\t\(key.name)"
                    )
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key; requests with it answer 401 at once.")

        @Argument(help: "Key id (from `key list`).") var keyID: String

        func run() throws {
            let id = try parseID(keyID, "key")
            try withDatabase { database in
                guard try APIKeyStore(database: database).revoke(id: id) else {
                    throw ValidationError("no active key \(keyID)")
                }
                print("revoked \(id.uuidString.lowercased())")
            }
        }
    }
}

func parseID(_ text: String, _ what: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a \(what) id (a UUID)") }
    return id
}
