import Foundation
import Logging

/// Logs one line per request at `debug`: method, path, status, duration and body sizes. Never
/// headers, so credentials such as `X-API-Key` stay out of the log. Not at `info`: every request is
/// already in nginx's access log and the request log table, and formatting the line cost about a
/// tenth of a responder's time per request (scripts/bench profile).
public struct RequestLogMiddleware<Context: RequestContext>: Middleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) throws -> Response) throws -> Response {
        let start = ContinuousClock.now
        let response = try next(request, context)
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        context.logger.debug(
            "request",
            metadata: [
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
