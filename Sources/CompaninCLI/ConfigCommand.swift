import ArgumentParser
import Companin

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration: every setting, its value (secrets as ***) and where it came from.",
        discussion: """
            Reads the environment as every other command does; the flags of serve, respond, ingest-worker and \
            migrate override it as they do there. Exits non-zero, naming each invalid setting, when the \
            configuration would stop those commands.
            """)

    @OptionGroup var pool: PoolOptions
    @OptionGroup var worker: IngestWorkerOptions
    @OptionGroup var migration: MigrationOptions

    @Flag(help: "Print JSON: {\"settings\": [{\"variable\", \"section\", \"flag\", \"value\", \"origin\", \"secret\"}, …]}.")
    var json = false

    @Flag(help: "Print the table of every setting (flag, variable, default, values, meaning) as README.md shows it, and no values.")
    var markdown = false

    func run() throws {
        if markdown {
            print(CompaninConfiguration.markdownTable)
            return
        }
        var flags = ConfigurationFlags()
        pool.apply(to: &flags)
        worker.apply(to: &flags)
        migration.apply(to: &flags)
        let configuration = try Startup.configuration(flags)
        print(json ? configuration.reportJSON : configuration.report)
    }
}
