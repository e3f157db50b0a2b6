import ArgumentParser
import Companin
import Foundation
import HTTP
import MariaDB

struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage API keys (admin keys can also do this through /api/v1/keys/).",
        subcommands: [Create.self, List.self, Revoke.self, TokenSigner.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an API key; prints the key once (only its hash is stored).")

        @Option(help: "Organization id.") var org: String
        @Option(help: "A label for the key.") var name: String = "default"
        @Option(
            name: .customLong("scope"),
            help: "What the key may do: admin, read, analytics or widget; repeat for several (default: admin).")
        var scopes: [String] = []
        @Option(help: "Bind the key to one assistant's sessions and conversations.") var assistant: String?
        @Option(help: "When the key stops working (ISO 8601, UTC).") var expires: String?
        @Flag(help: "An operator key: may read any organization's analytics with organization_id=ID or all.") var `operator` = false

        func run() throws {
            let organizationID = try parseID(org, "organization")
            var scopeSet: Set<AccessScope> = []
            for name in scopes {
                guard let scope = AccessScope(rawValue: name) else {
                    throw ValidationError("unknown scope '\(name)'; expected one of admin, read, analytics, widget")
                }
                scopeSet.insert(scope)
            }
            let assistantID = try assistant.map { try parseID($0, "assistant") }
            let expiresAt = try expires.map { text in
                guard let date = Timestamp.parse(text) else { throw ValidationError("--expires: expected an ISO 8601 time, got '\(text)'") }
                return date
            }
            try withDatabase { database in
                let (key, secret) = try APIKeyStore(database: database).create(
                    organizationID: organizationID,
                    APIKeyStore.NewKey(
                        name: name, scopes: scopeSet.isEmpty ? [.admin] : scopeSet, assistantID: assistantID, expiresAt: expiresAt,
                        isOperator: `operator`))
                FileHandle.standardError.write(
                    Data(
                        """
                        key \(key.id.uuidString.lowercased()) (\(key.keyPrefix)…) issued for organization \(org); \
                        store it now: it cannot be shown again.\n
                        """.utf8))
                print(secret)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an organization's keys: id, prefix, created, state, kind (key or operator), scopes, name.")

        @Option(help: "Organization id.") var org: String

        func run() throws {
            let organizationID = try parseID(org, "organization")
            try withDatabase { database in
                for key in try APIKeyStore(database: database).list(organizationID: organizationID) {
                    let state =
                        key.revokedAt.map { "revoked \(Timestamp.format($0))" }
                        ?? key.expiresAt.map { $0 <= .now ? "expired \(Timestamp.format($0))" : "active until \(Timestamp.format($0))" }
                        ?? "active"
                    let scopes = key.scopes.set.sorted().map(\.rawValue).joined(separator: ",")
                    print(
                        "\(key.id.uuidString.lowercased())\t\(key.keyPrefix)…\t\(Timestamp.format(key.createdAt))\t\(state)\t\(key.isOperator ? "operator" : "key")\t\(scopes)\t\(key.name)"
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

    struct TokenSigner: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "token-signer",
            abstract: "The secrets that sign browser tokens: list them, add a new one, or revoke one (its tokens stop working).")

        @Argument(help: "list, rotate, or revoke") var action: String
        @Argument(help: "The secret's id, for revoke.") var id: Int?

        func run() throws {
            try withDatabase { database in
                let signers = TokenSigners(database: database)
                switch action {
                case "list":
                    for signer in try signers.list() {
                        let state = signer.revokedAt.map { "revoked \(Timestamp.format($0))" } ?? "valid"
                        print("\(signer.id)\t\(Timestamp.format(signer.createdAt))\t\(state)")
                    }
                case "rotate":
                    print("signing with secret \(try signers.rotate())")
                case "revoke":
                    guard let id else { throw ValidationError("revoke needs the secret's id (see `key token-signer list`)") }
                    guard try signers.revoke(id) else { throw ValidationError("no valid signing secret \(id)") }
                    print("revoked signing secret \(id); tokens it signed answer 401 within 30 seconds")
                default:
                    throw ValidationError("expected list, rotate or revoke")
                }
            }
        }
    }
}

func parseID(_ text: String, _ what: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a \(what) id (a UUID)") }
    return id
}
