import ArgumentParser
import Companin
import Foundation
import HTTP

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Maintain the request log.", subcommands: [Prune.self, Partitions.self])

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop the request log's monthly partitions that end before an age (whole months, instantly).")

        @Option(help: "Age, e.g. 90d, 12h, 3600s.") var olderThan: String

        func run() throws {
            guard let age = AssistantCommand.Purge.seconds(olderThan) else {
                throw ValidationError("--older-than takes a number with a unit: 90d, 12h, 90m or 3600s")
            }
            try withDatabase { database in
                let dropped = try RequestLogPartitions(database: database).prune(before: Date.now.addingTimeInterval(-age))
                print(dropped.isEmpty ? "no partition ends more than \(olderThan) ago" : "dropped \(dropped.joined(separator: " "))")
            }
        }
    }

    struct Partitions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Split off the coming months' partitions (the ingest workers do it daily), then list them: name, rows before, approximate rows."
        )

        func run() throws {
            try withDatabase { database in
                let partitions = RequestLogPartitions(database: database)
                try partitions.ensure()
                for partition in try partitions.list() {
                    print("\(partition.name)\t\(partition.upperBound.map { Timestamp.format($0) } ?? "MAXVALUE")\t\(partition.rows)")
                }
            }
        }
    }
}
