import Foundation

/// An error that becomes an HTTP response with a `{"detail": "..."}` body (the Django Ninja shape).
public struct HTTPError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    public var detail: String
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, detail: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.detail = detail ?? status.reasonPhrase
        self.headers = headers
    }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.detail == rhs.detail
    }

    public static let notFound = HTTPError(.notFound)
    public static let unauthorized = HTTPError(.unauthorized)
    public static func methodNotAllowed(allowed: [HTTPMethod]) -> HTTPError {
        HTTPError(.methodNotAllowed, headers: ["Allow": allowed.map(\.rawValue).joined(separator: ", ")])
    }
    public static func serviceUnavailable(retryAfter seconds: Int) -> HTTPError {
        HTTPError(.serviceUnavailable, headers: ["Retry-After": String(seconds)])
    }
}

/// One failed check of a request field, in pydantic's terms: where, what, and a machine-readable type.
public struct FieldError: Sendable, Equatable, Encodable {
    public enum Location: Sendable, Hashable, Encodable {
        case key(String)
        case index(Int)

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .key(let key): try container.encode(key)
            case .index(let index): try container.encode(index)
            }
        }
    }

    public var loc: [Location]
    public var msg: String
    public var type: String

    public init(loc: [Location], msg: String, type: String) {
        self.loc = loc
        self.msg = msg
        self.type = type
    }
}

/// A `422` listing every failed field, so a client can fix them all at once.
public struct ValidationError: Error, Sendable, Equatable {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) { self.errors = errors }
}

/// An error from elsewhere (a database, a library) that knows which response it deserves.
public protocol HTTPResponseError: Error {
    var httpError: HTTPError { get }
}

extension Response {
    /// The response for any error a handler throws; unknown errors are `500` without details.
    public static func error(_ error: any Error) -> Response {
        switch error {
        case let error as any HTTPResponseError:
            return Response.error(error.httpError)
        case let error as HTTPError:
            var response =
                (try? Response.json(DetailBody(detail: error.detail), status: error.status))
                ?? Response(status: error.status)
            for (name, value) in error.headers { response.headers.set(name, value) }
            return response
        case let error as ValidationError:
            return (try? Response.json(ValidationBody(detail: error.errors), status: .unprocessableEntity))
                ?? Response(status: .unprocessableEntity)
        default:
            return Response.error(HTTPError(.internalServerError))
        }
    }
}

private struct DetailBody: Encodable {
    var detail: String
}

private struct ValidationBody: Encodable {
    var detail: [FieldError]
}
