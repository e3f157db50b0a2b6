/// Matches a method and path against route templates such as `/api/v1/assistants/:assistant_id`.
///
/// Every template is served with and without its trailing slash, without redirects. A path that
/// matches a template under another method answers `405` with `Allow`; anything else is `404`.
/// Responders are single-threaded, so handlers and contexts need not be `Sendable`.
public struct Router<Context: RequestContext> {
    public typealias Handler = (Request, Context) throws -> Response

    public struct Route {
        public let method: HTTPMethod
        public let template: String
        let segments: [Segment]
        let handler: Handler
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    public enum Match {
        case found(Route, Parameters)
        case methodNotAllowed([HTTPMethod])
        case notFound
    }

    public private(set) var routes: [Route] = []

    public init() {}

    /// Adds a route. `template` is an absolute path whose `:name` segments capture parameters.
    public mutating func on(_ method: HTTPMethod, _ template: String, handler: @escaping Handler) {
        routes.append(Route(method: method, template: template, segments: Self.segments(of: template), handler: handler))
    }

    public mutating func get(_ template: String, handler: @escaping Handler) { on(.get, template, handler: handler) }
    public mutating func post(_ template: String, handler: @escaping Handler) { on(.post, template, handler: handler) }
    public mutating func patch(_ template: String, handler: @escaping Handler) { on(.patch, template, handler: handler) }
    public mutating func put(_ template: String, handler: @escaping Handler) { on(.put, template, handler: handler) }
    public mutating func delete(_ template: String, handler: @escaping Handler) { on(.delete, template, handler: handler) }

    /// Replaces every route's handler with `wrap`'s, which knows the route: how an application
    /// checks what each route requires once, for all of them, rather than in every handler.
    public mutating func wrapHandlers(_ wrap: (Route, @escaping Handler) -> Handler) {
        routes = routes.map { route in
            Route(method: route.method, template: route.template, segments: route.segments, handler: wrap(route, route.handler))
        }
    }

    public func match(_ method: HTTPMethod, path: String) -> Match {
        let pathSegments = Self.pathSegments(path)
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = Self.capture(route.segments, pathSegments) else { continue }
            if route.method == method || (method == .head && route.method == .get) {
                return .found(route, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed)
    }

    /// Routes a request: runs the handler with the captured parameters and template in its context.
    public func respond(to request: Request, context: Context) throws -> Response {
        switch match(request.method, path: request.path) {
        case .found(let route, let parameters):
            var context = context
            context.parameters = parameters
            context.routeTemplate = route.template
            return try route.handler(request, context)
        case .methodNotAllowed(let allowed):
            throw HTTPError.methodNotAllowed(allowed: allowed)
        case .notFound:
            throw HTTPError.notFound
        }
    }

    private static func capture(_ template: [Segment], _ path: [Substring]) -> Parameters? {
        guard template.count == path.count else { return nil }
        var parameters = Parameters()
        for (segment, value) in zip(template, path) {
            switch segment {
            case .literal(let literal):
                guard literal == value else { return nil }
            case .parameter(let name):
                guard !value.isEmpty else { return nil }
                parameters[name] = String(value)
            }
        }
        return parameters
    }

    static func segments(of template: String) -> [Segment] {
        pathSegments(template).map { part in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
    }

    /// Splits a path into segments, ignoring one trailing slash; an empty segment (`//`) never matches.
    static func pathSegments(_ path: String) -> [Substring] {
        var trimmed = Substring(path)
        if trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        if trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.split(separator: "/", omittingEmptySubsequences: false)
    }
}
