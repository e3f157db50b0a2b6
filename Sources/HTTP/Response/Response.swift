import Foundation

/// An HTTP response: status, headers and a complete body.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Data

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response: keys in `CodingKeys` order (models spell their snake_case keys there),
    /// dates as ISO 8601 UTC timestamps, UUIDs in lowercase.
    public static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
        var response = Response(status: status, body: try OrderedJSONEncoder().encode(value))
        response.headers.set("Content-Type", "application/json")
        return response
    }

    /// `204 No Content`.
    public static var noContent: Response { Response(status: .noContent) }
}
