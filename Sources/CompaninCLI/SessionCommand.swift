import ArgumentParser
import Companin
import Foundation

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Maintain sessions.", subcommands: [Sweep.self])

    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark sessions past their expiry as expired (the ingest workers do this every few seconds).")

        func run() throws {
            try withDatabase { database in
                let marked = try SessionSweeper(database: database).sweep()
                print("marked \(marked) session\(marked == 1 ? "" : "s") expired")
            }
        }
    }
}
