import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB
import RateLimiter
import ResponderPool

/// The Companin API: the middleware list and every area's routes, over one database connection.
public struct CompaninApp {
    /// The limiter every responder shares, the hourly limit of organizations without their own,
    /// and with scope `cluster` the leases hosts share each organization's quota through.
    public struct RateLimiting {
        public var limiter: RateLimiter
        public var defaultPerHour: Int
        public var leases: QuotaLeases?

        public init(limiter: RateLimiter, defaultPerHour: Int, leases: QuotaLeases? = nil) {
            self.limiter = limiter
            self.defaultPerHour = defaultPerHour
            self.leases = leases
        }
    }

    public let application: Application<AppContext>
    let database: Connection
    let breaches: BreachLog
    let requests: RequestLog
    let logger: Logger

    public init(
        database: Connection, rateLimiting: RateLimiting, knowledge: KnowledgeConfiguration, sessions: SessionConfiguration,
        replyModel: (any ChatModel)?, maxJSONBodyBytes: Int, credentialLifetime: Duration = .zero,
        authenticators extraAuthenticators: [any Authenticator] = [], analyticsReads: AnalyticsReads? = nil,
        poolStatus: @escaping () -> PoolStatus? = { nil }, logger: Logger
    ) {
        self.database = database
        self.logger = logger
        breaches = BreachLog(logger: logger)
        let requests = RequestLog(logger: logger)
        self.requests = requests
        var router = Router<AppContext>()
        AssistantRoutes.register(on: &router)
        AssistantKnowledgeRoutes.register(on: &router)
        FileRoutes.register(on: &router, configuration: knowledge)
        QARoutes.register(on: &router, enricher: knowledge.enricher)
        URLRoutes.register(on: &router, fetcher: Fetcher(policy: knowledge.fetchPolicy))
        let indexes = KnowledgeIndexCache(capacityBytes: knowledge.vectorCacheBytes)
        SearchRoutes.register(on: &router, configuration: knowledge, indexes: indexes)
        SessionRoutes.register(on: &router, configuration: sessions)
        ContextRoutes.register(on: &router)
        VisitorRoutes.register(on: &router)
        ConversationRoutes.register(on: &router, knowledge: knowledge, indexes: indexes, replyModel: replyModel)
        AnalyticsRoutes.register(
            on: &router, limiter: rateLimiting.limiter, defaultPerHour: rateLimiting.defaultPerHour,
            reads: analyticsReads ?? AnalyticsReads(replica: nil, maxLag: .seconds(10), logger: logger))
        GapRoutes.register(on: &router, enricher: knowledge.enricher)
        let signer = BrowserTokenSigner(database: database)
        KeyRoutes.register(on: &router)
        AuditRoutes.register(on: &router)
        TokenRoutes.register(on: &router, signer: signer)
        AccessPolicy.enforce(on: &router)
        let credentials = CredentialCache(lifetime: credentialLifetime)
        // Keys first: they are what most requests carry. A deployment's own policies come last.
        let authenticators: [any Authenticator] =
            [APIKeyAuthenticator(cache: credentials), BrowserTokenAuthenticator(signer: signer, credentials: credentials)]
            + extraAuthenticators
        application = Application(
            middleware: [
                PoolStatusMiddleware(read: poolStatus),
                RequestRecorder(log: requests),
                RequestLogMiddleware(),
                APIDocsMiddleware(),
                BodyLimitMiddleware(maxJSONBodyBytes: maxJSONBodyBytes),
                AuthenticationMiddleware(authenticators: authenticators),
                RateLimitMiddleware(
                    limiter: rateLimiting.limiter, defaultPerHour: rateLimiting.defaultPerHour,
                    breaches: breaches, leases: rateLimiting.leases),
            ],
            router: router
        )
    }

    /// Deferred work that must not delay a response: called after each response is handed back.
    public func afterResponse() {
        requests.flushIfDue(database)
        breaches.flushIfDue(database)
    }

    /// Called when no request arrived for a while.
    public func idle() {
        requests.flushIfDue(database)
        breaches.flushIfDue(database)
    }

    /// Called before the responder exits: nothing deferred may be left behind.
    public func shutdown() {
        requests.flush(database)
        breaches.flush(database)
    }

    /// Answers one request. Never throws: every failure becomes a response in the documented shape.
    public func respond(to request: Request) -> Response {
        let requestID = RequestID.make(for: request)
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = "\(requestID)"
        let context = AppContext(requestID: requestID, logger: requestLogger, database: database)
        return application.respond(to: request, context: context)
    }

    /// The response for a request the transport refused before the application saw it (e.g. `413`).
    public func respond(to request: Request, rejectedWith error: HTTPError) -> Response {
        let requestID = RequestID.make(for: request)
        var response = Response.error(error)
        response.headers.set("X-Request-ID", requestID)
        let context = AppContext(requestID: requestID, logger: logger, database: database)
        requests.record(RequestLog.entry(for: request, response: response, context: context, arrived: .now, elapsed: .zero))
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = "\(requestID)"
        requestLogger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "status": "\(error.status.code)",
            ])
        return response
    }
}
