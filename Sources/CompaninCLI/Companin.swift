import ArgumentParser

@main
struct CompaninCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "companin",
        abstract: "Companin: an organization platform for customer-facing AI assistants.",
        subcommands: [
            Serve.self, Respond.self, IngestWorkerCommand.self, Extract.self, Migrate.self, Org.self, Key.self,
            AssistantCommand.self, SessionCommand.self, LogsCommand.self, DatabaseCommand.self, ConfigCommand.self, OpenAPICommand.self,
            BenchLimiter.self,
        ]
    )
}
