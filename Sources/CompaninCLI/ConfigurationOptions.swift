import ArgumentParser
import Companin

/// The flags `respond` takes (and `serve` hands to the responders it spawns).
struct ResponderOptions: ParsableArguments {
    @Option(name: Settings.maxRequests.optionName, help: Settings.maxRequests.optionHelp) var maxRequests: Int?
    @Option(name: Settings.maxBodyBytes.optionName, help: Settings.maxBodyBytes.optionHelp) var maxBodyBytes: Int?
    @Option(name: Settings.rateLimitPerHour.optionName, help: Settings.rateLimitPerHour.optionHelp) var rateLimitPerHour: Int?

    func apply(to flags: inout ConfigurationFlags) {
        flags.set(Settings.maxRequests, maxRequests)
        flags.set(Settings.maxBodyBytes, maxBodyBytes)
        flags.set(Settings.rateLimitPerHour, rateLimitPerHour)
    }
}

/// The flags of `serve`.
struct PoolOptions: ParsableArguments {
    @Option(name: Settings.socket.optionName, help: Settings.socket.optionHelp) var socket: String?
    @Option(name: Settings.socketMode.optionName, help: Settings.socketMode.optionHelp) var socketMode: String?
    @Option(name: Settings.listen.optionName, help: Settings.listen.optionHelp) var listen: String?
    @Option(name: Settings.responders.optionName, help: Settings.responders.optionHelp) var responders: Int?
    @Option(name: Settings.requestTimeout.optionName, help: Settings.requestTimeout.optionHelp) var requestTimeout: Int?
    @Option(name: Settings.pidFile.optionName, help: Settings.pidFile.optionHelp) var pidFile: String?
    @Option(name: Settings.rateLimitSlots.optionName, help: Settings.rateLimitSlots.optionHelp) var rateLimitSlots: Int?
    @Option(name: Settings.ingestWorkers.optionName, help: Settings.ingestWorkers.optionHelp) var ingestWorkers: Int?
    @Option(name: Settings.ingestJobTimeout.optionName, help: Settings.ingestJobTimeout.optionHelp) var ingestJobTimeout: Int?
    @OptionGroup var responder: ResponderOptions

    func apply(to flags: inout ConfigurationFlags) {
        flags.set(Settings.socket, socket)
        flags.set(Settings.socketMode, socketMode)
        flags.set(Settings.listen, listen)
        flags.set(Settings.responders, responders)
        flags.set(Settings.requestTimeout, requestTimeout)
        flags.set(Settings.pidFile, pidFile)
        flags.set(Settings.rateLimitSlots, rateLimitSlots)
        flags.set(Settings.ingestWorkers, ingestWorkers)
        flags.set(Settings.ingestJobTimeout, ingestJobTimeout)
        responder.apply(to: &flags)
    }
}

/// The flags of `ingest-worker`.
struct IngestWorkerOptions: ParsableArguments {
    @Option(name: Settings.ingestLeaseSeconds.optionName, help: Settings.ingestLeaseSeconds.optionHelp) var leaseSeconds: Int?
    @Option(name: Settings.ingestMaxAttempts.optionName, help: Settings.ingestMaxAttempts.optionHelp) var maxAttempts: Int?
    @Option(name: Settings.ingestMaxPerOrganization.optionName, help: Settings.ingestMaxPerOrganization.optionHelp)
    var maxPerOrganization: Int?
    @Option(name: Settings.sessionSweepSeconds.optionName, help: Settings.sessionSweepSeconds.optionHelp) var sessionSweepSeconds: Int?

    func apply(to flags: inout ConfigurationFlags) {
        flags.set(Settings.ingestLeaseSeconds, leaseSeconds)
        flags.set(Settings.ingestMaxAttempts, maxAttempts)
        flags.set(Settings.ingestMaxPerOrganization, maxPerOrganization)
        flags.set(Settings.sessionSweepSeconds, sessionSweepSeconds)
    }
}

/// The flags of `migrate`.
struct MigrationOptions: ParsableArguments {
    @Option(name: Settings.migrationsDirectory.optionName, help: Settings.migrationsDirectory.optionHelp) var migrations: String?

    func apply(to flags: inout ConfigurationFlags) {
        flags.set(Settings.migrationsDirectory, migrations)
    }
}
