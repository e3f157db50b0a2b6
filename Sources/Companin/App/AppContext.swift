import Foundation
import HTTP
import Logging
import MariaDB

/// What a request carries through middleware and handlers: its id and logger, route parameters,
/// the responder's database connection, and — once authenticated — the caller's organization and key.
public struct AppContext: RequestContext {
    public let requestID: String
    public var logger: Logger
    public var parameters = Parameters()
    public let database: Connection
    /// What inner steps learn about the request, shared by every copy of this context so the
    /// request log (the outermost step) sees it after the response.
    let trace = RequestTrace()

    /// Set by the router.
    public var routeTemplate: String? {
        get { trace.routeTemplate }
        nonmutating set { trace.routeTemplate = newValue }
    }

    /// Set by the authentication middleware once the caller is known.
    public var principal: Principal? {
        get { trace.principal }
        nonmutating set { trace.principal = newValue }
    }

    public init(requestID: String, logger: Logger, database: Connection) {
        self.requestID = requestID
        self.logger = logger
        self.database = database
    }

    /// The authenticated organization. Every store call takes it, so no query runs unscoped.
    public func organization() throws -> UUID {
        guard let principal else { throw HTTPError.unauthorized }
        return principal.organizationID
    }

    /// A path parameter that names a resource by UUID; anything else is `404`, like an unknown id.
    public func resourceID(_ name: String) throws -> UUID {
        guard let id = UUID(uuidString: try parameters.require(name)) else { throw HTTPError.notFound }
        return id
    }
}

/// The facts about one request that steps inside the middleware list learn and the request log needs.
/// A reference, so that the copies of a context handed down the list all write to one place.
final class RequestTrace {
    var routeTemplate: String?
    var principal: Principal?
    var throttled = false
}
