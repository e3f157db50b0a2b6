import Foundation
import Logging

/// Logs one line per request: method, path, route, status, duration and body sizes. Never headers,
/// so credentials such as `X-API-Key` stay out of the log.
public struct RequestLogMiddleware<Context: RequestContext>: Middleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) throws -> Response) throws -> Response {
        let start = ContinuousClock.now
        let response = try next(request, context)
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        context.logger.info("request", metadata: [
            "method": "\(request.method)",
            "path": "\(request.path)",
            "status": "\(response.status.code)",
            "duration_us": "\(micros)",
            "request_bytes": "\(request.body.count)",
            "response_bytes": "\(response.body.count)",
        ])
        return response
    }
}
