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

    @OptionGroup var options: ResponderOptions
    @Option(help: .hidden) var rateLimiterFd: Int32?
    @Option(help: .hidden) var rateLimiterSize: Int?
    @OptionGroup var scoreboard: ScoreboardOptions

    func run() throws {
        var flags = ConfigurationFlags()
        options.apply(to: &flags)
        let configuration = try Startup.configuration(flags)
        Startup.bootstrapLogging(configuration.logLevel)
        let logger = Startup.logger("companin.responder")
        Startup.protectProcess(logger)
        // `serve` always names the limit; a responder alone (spawn-fcgi) is not replaced when it
        // exits, so it has none unless the operator sets one.
        let maxRequests = configuration.origin(of: Settings.maxRequests) == .default ? 0 : configuration.pool.maxRequests
        let process = try ResponderProcess(slot: scoreboard.slot, maxRequests: maxRequests, logger: logger)
        process.slowRequestThreshold = configuration.pool.slowRequestThreshold
        // The transport takes bodies up to the largest upload (plus multipart framing); the
        // application holds everything else to the JSON limit.
        let maxJSONBodyBytes = configuration.pool.maxBodyBytes
        let server = try FastCGIServer(
            configuration: .init(maxBodyBytes: max(maxJSONBodyBytes, configuration.knowledge.maxUploadBytes + 64 * 1024)))
        let database = Connection(configuration: try configuration.database.required(), logger: logger)
        let limiter: RateLimiter
        if let rateLimiterFd, let rateLimiterSize {
            let memory = try SharedMemory(descriptor: rateLimiterFd, size: rateLimiterSize)
            limiter = try RateLimiter.attach(to: memory.base, size: memory.size, owner: memory)
        } else {
            logger.warning("running without a pool master: rate limits are counted by this process alone")
            limiter = try RateLimiter.makePrivate(capacity: configuration.limiter.slots)
        }
        let app = CompaninApp(
            database: database,
            rateLimiting: .init(
                limiter: limiter, defaultPerHour: configuration.limiter.defaultPerHour, leases: configuration.limiter.quotaLeases),
            knowledge: configuration.knowledgeConfiguration(
                enricher: try configuration.makeEnricher(), extractorExecutable: try Serve.executablePath()),
            sessions: configuration.sessions.lifetimes,
            replyModel: configuration.makeReplyModel(),
            maxJSONBodyBytes: maxJSONBodyBytes,
            credentialLifetime: configuration.limiter.credentialLifetime,
            authenticators: CompaninCommandLine.extraAuthenticators.withLock { $0 },
            analyticsReads: AnalyticsReads(
                replica: configuration.database.replicaURL, maxLag: configuration.database.replicaMaxLag, logger: logger),
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
