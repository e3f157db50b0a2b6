import ArgumentParser
import Foundation
import MariaDB
import POSIXSystem
import RateLimiter
import ResponderPool

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the FastCGI responder pool (the master and its responders).")

    @Option(help: "Unix socket to listen on (env COMPANIN_SOCKET; default var/run/companin.sock).")
    var socket: String?

    @Option(help: "Octal mode of the unix socket (env COMPANIN_SOCKET_MODE; default 660).")
    var socketMode: String?

    @Option(help: "Listen on a TCP address instead, e.g. 127.0.0.1:9000 (env COMPANIN_LISTEN).")
    var listen: String?

    @Option(help: "Responder processes (env COMPANIN_RESPONDERS; default 4).")
    var responders: Int?

    @Option(help: "Requests a responder serves before it is replaced; 0 for no limit (env COMPANIN_MAX_REQUESTS; default 10000).")
    var maxRequests: Int?

    @Option(help: "Seconds a request may run before its responder is killed (env COMPANIN_REQUEST_TIMEOUT; default 30).")
    var requestTimeout: Int?

    @Option(help: "Largest request body in bytes (env COMPANIN_MAX_BODY_BYTES; default 1048576).")
    var maxBodyBytes: Int?

    @Option(help: "Write the master's pid here (env COMPANIN_PID_FILE).")
    var pidFile: String?

    @Option(help: "Requests per hour for an organization without its own limit (env COMPANIN_RATE_LIMIT_PER_HOUR; default 100).")
    var rateLimitPerHour: Int?

    @Option(help: "Organizations the shared rate limiter tracks at once (env COMPANIN_RATE_LIMIT_SLOTS; default 16384).")
    var rateLimitSlots: Int?

    @Option(help: "Ingest worker processes for background knowledge jobs (env COMPANIN_INGEST_WORKERS; default 2).")
    var ingestWorkers: Int?

    @Option(help: "Seconds one ingestion job may run before its worker is killed (env COMPANIN_INGEST_JOB_TIMEOUT; default 300).")
    var ingestJobTimeout: Int?

    func run() throws {
        Environment.bootstrapLogging()
        let logger = Environment.logger("companin.pool")
        _ = try Environment.databaseConfiguration()

        let address: ListenAddress
        if let tcp = listen ?? Environment.string("COMPANIN_LISTEN") {
            address = try ListenAddress.tcp(tcp)
        } else {
            let path = socket ?? Environment.string("COMPANIN_SOCKET") ?? "var/run/companin.sock"
            let modeText = socketMode ?? Environment.string("COMPANIN_SOCKET_MODE") ?? "660"
            guard let mode = mode_t(modeText, radix: 8), mode <= 0o777 else {
                throw ConfigurationError("socket mode must be octal, e.g. 660")
            }
            address = .unix(path: URL(fileURLWithPath: path).path, mode: mode)
        }
        let responders = responders ?? Environment.int("COMPANIN_RESPONDERS", default: 4)
        let maxRequests = maxRequests ?? Environment.int("COMPANIN_MAX_REQUESTS", default: 10_000)
        let requestTimeout = requestTimeout ?? Environment.int("COMPANIN_REQUEST_TIMEOUT", default: 30)
        let maxBodyBytes = maxBodyBytes ?? Environment.int("COMPANIN_MAX_BODY_BYTES", default: 1 << 20)
        guard (1...256).contains(responders) else { throw ConfigurationError("responders must be 1 to 256") }
        guard maxRequests >= 0, requestTimeout >= 1, maxBodyBytes >= 1024 else {
            throw ConfigurationError("max-requests must be ≥ 0, request-timeout ≥ 1 s, max-body-bytes ≥ 1024")
        }
        let perHour = try Environment.rateLimitPerHour(rateLimitPerHour)
        let workers = ingestWorkers ?? Environment.int("COMPANIN_INGEST_WORKERS", default: 2)
        let jobTimeout = ingestJobTimeout ?? Environment.int("COMPANIN_INGEST_JOB_TIMEOUT", default: 300)
        guard (0...64).contains(workers), jobTimeout >= 10 else {
            throw ConfigurationError("ingest-workers must be 0 to 64 and ingest-job-timeout at least 10 s")
        }
        _ = try Environment.knowledgeConfiguration()
        _ = try Environment.sessionConfiguration()
        _ = try Environment.replyModel()
        let slots = rateLimitSlots ?? Environment.int("COMPANIN_RATE_LIMIT_SLOTS", default: 16_384)
        guard (64...16_777_216).contains(slots) else { throw ConfigurationError("rate-limit-slots must be 64 to 16777216") }

        // The limiter's table belongs to the master: it outlives responders (crashes, recycling,
        // SIGHUP) and starts empty when the master starts.
        let limiterMemory = try SharedMemory.create(size: RateLimiter.segmentSize(capacity: slots))
        _ = try RateLimiter.create(in: limiterMemory.base, size: limiterMemory.size, capacity: slots)
        logger.info(
            "rate limiter ready",
            metadata: [
                "slots": "\(slots)", "bytes": "\(limiterMemory.size)", "default_per_hour": "\(perHour)",
            ])

        var configuration = Master.Configuration(
            listen: address,
            responders: responders,
            requestTimeout: .seconds(requestTimeout),
            drainTimeout: .seconds(requestTimeout + 5),
            executable: try Self.executablePath(),
            arguments: [
                "respond", "--max-requests", "\(maxRequests)", "--max-body-bytes", "\(maxBodyBytes)",
                "--rate-limit-per-hour", "\(perHour)", "--rate-limiter-fd", "4", "--rate-limiter-size", "\(limiterMemory.size)",
            ],
            pidFile: (pidFile ?? Environment.string("COMPANIN_PID_FILE")).map { URL(fileURLWithPath: $0).path },
            sharedDescriptors: [limiterMemory.descriptor])
        configuration.workers = workers
        configuration.workerArguments = ["ingest-worker"]
        configuration.workerTimeout = .seconds(jobTimeout)
        let master = Master(configuration: configuration, logger: logger)
        try withExtendedLifetime(limiterMemory) { try master.run() }
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
