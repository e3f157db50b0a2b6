/// A step in front of the router: takes the request, a context and `next`, and returns a response.
/// Authentication, rate limiting and request logging are middleware, composed in one visible list.
public protocol Middleware<Context> {
    associatedtype Context: RequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) throws -> Response) throws -> Response
}

/// The router behind an ordered list of middleware: the first in the list sees the request first.
public struct Application<Context: RequestContext> {
    public var middleware: [any Middleware<Context>]
    public var router: Router<Context>

    public init(middleware: [any Middleware<Context>] = [], router: Router<Context>) {
        self.middleware = middleware
        self.router = router
    }

    /// Runs the request through every middleware and the router. Thrown errors are turned into
    /// responses at this boundary, and every response carries `X-Request-ID`.
    public func respond(to request: Request, context: Context) -> Response {
        var response = run(request, context, from: middleware[...])
        response.headers.set("X-Request-ID", context.requestID)
        if request.method == .head { response.body.removeAll() }
        return response
    }

    private func run(_ request: Request, _ context: Context, from remaining: ArraySlice<any Middleware<Context>>) -> Response {
        do {
            guard let first = remaining.first else {
                return try router.respond(to: request, context: context)
            }
            return try first.handle(request, context: context) { request, context in
                run(request, context, from: remaining.dropFirst())
            }
        } catch {
            let response = Response.error(error)
            if response.status.code >= 500 {
                context.logger.error("request failed", metadata: ["status": "\(response.status.code)", "error": "\(error)"])
            }
            return response
        }
    }
}
