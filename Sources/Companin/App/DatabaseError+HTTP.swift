import HTTP
import MariaDB

extension DatabaseError: HTTPResponseError {
    /// A database that cannot be reached is `503` with `Retry-After`: the client may try again, and
    /// the next request reconnects. Anything else is our bug and stays a `500`.
    public var httpError: HTTPError {
        if isConnectionLost || kind == .connection {
            return HTTPError.serviceUnavailable(retryAfter: 5)
        }
        return HTTPError(.internalServerError)
    }
}
