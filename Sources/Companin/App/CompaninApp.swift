import Foundation
import HTTP
import Logging
import MariaDB

/// The Companin API: the middleware list and every area's routes, over one database connection.
public struct CompaninApp {
    public let application: Application<AppContext>
    let database: Connection
    let logger: Logger

    public init(database: Connection, logger: Logger) {
        self.database = database
        self.logger = logger
        var router = Router<AppContext>()
        AssistantRoutes.register(on: &router)
        application = Application(
            middleware: [
                RequestLogMiddleware(),
                APIKeyMiddleware(),
            ],
            router: router
        )
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
        var requestLogger = logger
        requestLogger[metadataKey: "request_id"] = "\(requestID)"
        requestLogger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.path)", "status": "\(error.status.code)",
        ])
        return response
    }
}
