import ArgumentParser
import Companin
import FastCGI
import Foundation
import HTTP
import MariaDB
import POSIXSystem
import RateLimiter
import ResponderPool

struct Respond: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve FastCGI requests from the listening socket on fd 0 (as spawned by `serve` or spawn-fcgi).")

    @Option(help: "Requests to serve before exiting; 0 for no limit (env COMPANIN_MAX_REQUESTS; default 0 when alone).")
    var maxRequests: Int?

    @Option(help: "Largest request body in bytes (env COMPANIN_MAX_BODY_BYTES; default 1048576).")
    var maxBodyBytes: Int?

    @Option(help: "Requests per hour for an organization without its own limit (env COMPANIN_RATE_LIMIT_PER_HOUR; default 100).")
    var rateLimitPerHour: Int?

    @Option(help: .hidden) var rateLimiterFd: Int32?
    @Option(help: .hidden) var rateLimiterSize: Int?
    @OptionGroup var scoreboard: ScoreboardOptions

    func run() throws {
        Environment.bootstrapLogging()
        let logger = Environment.logger("companin.responder")
        let process = try ResponderProcess(
            slot: scoreboard.slot, maxRequests: maxRequests ?? Environment.int("COMPANIN_MAX_REQUESTS", default: 0), logger: logger)
        process.slowRequestThreshold = .milliseconds(Environment.int("COMPANIN_SLOW_REQUEST_MS", default: 1_000))
        // The transport takes bodies up to the largest upload (plus multipart framing); the
        // application holds everything else to the JSON limit.
        let maxJSONBodyBytes = maxBodyBytes ?? Environment.maxJSONBodyBytes
        let server = try FastCGIServer(
            configuration: .init(
                maxBodyBytes: max(maxJSONBodyBytes, Environment.maxUploadBytes + 64 * 1024)))
        let database = Connection(configuration: try Environment.databaseConfiguration(), logger: logger)
        let limiter: RateLimiter
        if let rateLimiterFd, let rateLimiterSize {
            let memory = try SharedMemory(descriptor: rateLimiterFd, size: rateLimiterSize)
            limiter = try RateLimiter.attach(to: memory.base, size: memory.size, owner: memory)
        } else {
            logger.warning("running without a pool master: rate limits are counted by this process alone")
            limiter = try RateLimiter.makePrivate(capacity: Environment.int("COMPANIN_RATE_LIMIT_SLOTS", default: 16_384))
        }
        let app = CompaninApp(
            database: database,
            rateLimiting: .init(limiter: limiter, defaultPerHour: try Environment.rateLimitPerHour(rateLimitPerHour)),
            knowledge: try Environment.knowledgeConfiguration(),
            sessions: try Environment.sessionConfiguration(),
            replyModel: try Environment.replyModel(),
            maxJSONBodyBytes: maxJSONBodyBytes,
            credentialLifetime: .seconds(Environment.int("COMPANIN_AUTH_CACHE_SECONDS", default: 5)),
            poolStatus: { process.poolStatus() },
            logger: logger)
        defer { app.shutdown() }

        while true {
            let mode = process.poll()
            if mode == .exiting { break }
            let draining = mode != .serving
            guard let incoming = try server.next(timeoutMilliseconds: draining ? 0 : 250) else {
                if draining { process.queueEmpty() } else { app.idle() }
                continue
            }
            let response: Response
            switch incoming {
            case .request(let request):
                process.beginRequest("\(request.method) \(request.path)")
                response = app.respond(to: request)
            case .rejected(let error, let request):
                process.beginRequest("\(request.method) \(request.path)")
                response = app.respond(to: request, rejectedWith: error)
            }
            server.respond(response)
            // Deferred writes run while the slot still shows the request, so a hung write counts
            // against the request timeout like the request itself.
            app.afterResponse()
            process.endRequest()
        }
    }
}
