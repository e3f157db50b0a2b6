import ArgumentParser
import Companin
import Synchronization

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

/// The `companin` command line. A deployment's own executable calls `main(authenticators:)` with
/// its policies; every responder the pool starts runs that same executable, so each has them.
public enum CompaninCommandLine {
    /// Runs the command named by the process's arguments. `authenticators` are asked after API
    /// keys and browser tokens, in order.
    public static func main(authenticators: [any Authenticator] = []) {
        extraAuthenticators.withLock { $0 = authenticators }
        CompaninCommand.main()
    }

    /// What `main` was given, for `respond`.
    static let extraAuthenticators = Mutex<[any Authenticator]>([])
}
