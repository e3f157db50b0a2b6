import ArgumentParser
import Companin
import Foundation
import MariaDB
import POSIXSystem
import RateLimiter
import ResponderPool

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastCGI responder pool (the master and its responders).")

    @OptionGroup var options: PoolOptions

    func run() throws {
        var flags = ConfigurationFlags()
        options.apply(to: &flags)
        let configuration = try Startup.configuration(flags)
        Startup.bootstrapLogging(configuration.logLevel)
        let logger = Startup.logger("companin.pool")
        Startup.protectProcess(logger)
        // What the children need is checked before any is spawned: they would only die one after another.
        _ = try configuration.database.required()
        _ = try configuration.makeEnricher()
        if configuration.knowledge.ingestWorkers > 0 {
            _ = try Startup.extractionSandbox(configuration.knowledge.extractionSandbox, logger: logger)
        }
        let pool = configuration.pool
        let slots = configuration.limiter.slots

        // The limiter's table belongs to the master: it outlives responders (crashes, recycling,
        // SIGHUP) and starts empty when the master starts.
        let limiterMemory = try SharedMemory.create(size: RateLimiter.segmentSize(capacity: slots))
        _ = try RateLimiter.create(in: limiterMemory.base, size: limiterMemory.size, capacity: slots)
        logger.info(
            "rate limiter ready",
            metadata: [
                "slots": "\(slots)", "bytes": "\(limiterMemory.size)", "default_per_hour": "\(configuration.limiter.defaultPerHour)",
                "scope": "\(configuration.limiter.scope.rawValue)", "host": "\(configuration.limiter.hostID)",
            ])

        var master = Master.Configuration(
            listen: pool.listen,
            responders: pool.responders,
            requestTimeout: pool.requestTimeout,
            drainTimeout: pool.requestTimeout + .seconds(5),
            executable: try Self.executablePath(),
            arguments: [
                "respond", "--max-requests", "\(pool.maxRequests)", "--max-body-bytes", "\(pool.maxBodyBytes)",
                "--rate-limit-per-hour", "\(configuration.limiter.defaultPerHour)", "--rate-limiter-fd", "4",
                "--rate-limiter-size", "\(limiterMemory.size)",
            ],
            pidFile: pool.pidFile.map { URL(fileURLWithPath: $0).path },
            sharedDescriptors: [limiterMemory.descriptor])
        master.workers = configuration.knowledge.ingestWorkers
        // Resolved here, where the number of workers is known (`--ingest-workers` is serve's flag).
        master.workerArguments = ["ingest-worker", "--max-per-organization", "\(configuration.knowledge.maxInFlightPerOrganization)"]
        master.workerTimeout = configuration.knowledge.jobTimeout
        // The master's own thread for the heartbeat and lease give-backs; it inherits the blocked
        // signals, so they keep reaching the master's loop.
        let plan = ClusterDuties.Plan(
            database: try configuration.database.required(), leases: configuration.limiter.quotaLeases,
            heartbeat: configuration.database.replicaURL != nil, host: configuration.limiter.hostID)
        Signals.blockControlled()
        let duties =
            plan.isEmpty
            ? nil
            : try ClusterDuties.start(
                plan, limiterDescriptor: limiterMemory.descriptor, size: limiterMemory.size, logger: Startup.logger("companin.cluster"))
        defer { duties?.stop() }
        try withExtendedLifetime(limiterMemory) { try Master(configuration: master, logger: logger).run() }
    }

    /// The binary on disk, so responders spawned after an upgrade and `SIGHUP` run the new code.
    static func executablePath() throws -> String {
        let invoked = CommandLine.arguments[0]
        if invoked.contains("/") {
            return URL(fileURLWithPath: invoked).standardizedFileURL.path
        }
        return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }
}
