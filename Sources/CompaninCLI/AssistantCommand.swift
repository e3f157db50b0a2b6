import ArgumentParser
import Companin
import Foundation

struct AssistantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assistant", abstract: "Maintain assistants.", subcommands: [Purge.self])

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove deleted assistants and their versions for good, once deleted longer than an age.")

        @Option(help: "Age since deletion, e.g. 30d, 12h, 90m, 3600s.") var olderThan: String
        @Option(help: "Only this organization (default: all).") var org: String?

        func run() throws {
            guard let age = Self.seconds(olderThan) else {
                throw ValidationError("--older-than takes a number with a unit: 30d, 12h, 90m or 3600s")
            }
            let organizationID = try org.map { try parseID($0, "organization") }
            try withDatabase { database in
                let purged = try AssistantPurge(database: database)
                    .purge(deletedBefore: Date.now.addingTimeInterval(-age), organizationID: organizationID)
                print("purged \(purged) assistant\(purged == 1 ? "" : "s") deleted more than \(olderThan) ago")
            }
        }

        static func seconds(_ text: String) -> TimeInterval? {
            guard let unit = text.last, let number = Double(text.dropLast()), number >= 0 else { return nil }
            switch unit {
            case "d": return number * 86_400
            case "h": return number * 3_600
            case "m": return number * 60
            case "s": return number
            default: return nil
            }
        }
    }
}
