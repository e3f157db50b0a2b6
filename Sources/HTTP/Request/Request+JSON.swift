import Foundation

extension Request {
    /// The body as a JSON document: `415` unless the content type is JSON, `400` when it does not parse.
    public func jsonBody() throws -> JSONValue {
        guard let mediaType, mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw HTTPError(.unsupportedMediaType, detail: "Content-Type must be application/json")
        }
        do {
            return try JSONValue.parse(body)
        } catch .tooDeep {
            throw HTTPError(.badRequest, detail: "JSON nested deeper than \(JSONValue.maximumDepth) levels")
        } catch {
            throw HTTPError(.badRequest, detail: "Malformed JSON body")
        }
    }

    /// The body as a JSON object, ready for field validation; a non-object body is a `422` at `["body"]`.
    public func jsonObjectBody() throws -> FieldReader {
        let value = try jsonBody()
        guard case .object(let members) = value else {
            throw ValidationError([FieldError(loc: [.key("body")], msg: "Input should be a valid dictionary", type: "dict_type")])
        }
        return FieldReader(members, location: [.key("body")])
    }
}
