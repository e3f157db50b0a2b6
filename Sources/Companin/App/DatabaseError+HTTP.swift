import HTTP
import MariaDB

extension DatabaseError: HTTPResponseError {
    /// A database that cannot be reached is `503` with `Retry-After`: the client may try again, and
    /// the next request reconnects. So is a transaction that lost a deadlock or waited too long for
    /// a lock: it was rolled back whole, and the same request again normally succeeds. Anything
    /// else is our bug and stays a `500`.
    public var httpError: HTTPError {
        if isConnectionLost || kind == .connection {
            return HTTPError.serviceUnavailable(retryAfter: 5)
        }
        if isDeadlock {
            return HTTPError.serviceUnavailable(retryAfter: 1)
        }
        return HTTPError(.internalServerError)
    }
}
