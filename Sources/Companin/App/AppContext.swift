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
    public var routeTemplate: String?
    public let database: Connection
    /// Set by the API-key middleware once the caller is authenticated.
    public var credentials: APIKeyStore.Credentials?

    public init(requestID: String, logger: Logger, database: Connection) {
        self.requestID = requestID
        self.logger = logger
        self.database = database
    }

    /// The authenticated organization. Every store call takes it, so no query runs unscoped.
    public func organization() throws -> UUID {
        guard let credentials else { throw HTTPError.unauthorized }
        return credentials.organizationID
    }

    /// A path parameter that names a resource by UUID; anything else is `404`, like an unknown id.
    public func resourceID(_ name: String) throws -> UUID {
        guard let id = UUID(uuidString: try parameters.require(name)) else { throw HTTPError.notFound }
        return id
    }
}
