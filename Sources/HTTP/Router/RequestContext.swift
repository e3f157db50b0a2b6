import Logging

/// Per-request state handed to middleware and handlers: the request id, a logger that carries it,
/// and the route's path parameters. Applications extend it with what their middleware learns.
public protocol RequestContext {
    var requestID: String { get }
    var logger: Logger { get set }
    var parameters: Parameters { get set }
    /// The matched route template, e.g. `/api/v1/assistants/:assistant_id`, once routed.
    var routeTemplate: String? { get set }
}

/// Path parameters captured by the router.
public struct Parameters: Sendable, Equatable {
    private var values: [String: String] = [:]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The parameter, or `404` when the router did not capture it (a wiring mistake shows as not found, never as a crash).
    public func require(_ name: String) throws -> String {
        guard let value = values[name] else { throw HTTPError.notFound }
        return value
    }
}
