import Foundation

/// Reads typed filters out of the query string, collecting every problem at `["query", name]` so
/// one `422` lists them all; call `finish()` after reading. An empty value of a free-text parameter
/// reads as absent; an empty value of a typed one (`to=`, `limit=`, a UUID, a boolean, a choice) is
/// not a value of its type and fails like any other malformed one, as the contract's formats say.
/// Routes read their parameters by declaration (`QueryReader+Field.swift`).
public struct QueryReader {
    public let request: Request
    public private(set) var errors: [FieldError] = []

    public init(_ request: Request) { self.request = request }

    public mutating func fail(_ name: String, _ msg: String, type: String) {
        errors.append(FieldError(loc: [.key("query"), .key(name)], msg: msg, type: type))
    }

    public mutating func string(_ name: String, maxLength: Int) -> String? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        guard text.unicodeScalars.count <= maxLength else {
            fail(name, "String should have at most \(maxLength) characters", type: "string_too_long")
            return nil
        }
        return text
    }

    /// The text of a typed parameter, empty included: `nil` only when the parameter is not given.
    mutating func typed(_ name: String, maxLength: Int) -> String? {
        guard let text = request.queryValue(name) else { return nil }
        guard text.unicodeScalars.count <= maxLength else {
            fail(name, "String should have at most \(maxLength) characters", type: "string_too_long")
            return nil
        }
        return text
    }

    public mutating func uuid(_ name: String) -> UUID? {
        guard let text = typed(name, maxLength: 64) else { return nil }
        guard let id = UUID(uuidString: text) else {
            fail(name, "Input should be a valid UUID", type: "uuid_parsing")
            return nil
        }
        return id
    }

    public mutating func bool(_ name: String) -> Bool? {
        guard let text = typed(name, maxLength: 5) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            fail(name, "Input should be a valid boolean, unable to interpret input", type: "bool_parsing")
            return nil
        }
    }

    /// An ISO 8601 timestamp (`2026-11-24T17:51:43Z`, with fractional seconds or an offset),
    /// from 1970 to the end of 9999.
    public mutating func timestamp(_ name: String) -> Date? {
        guard let text = typed(name, maxLength: 40) else { return nil }
        guard let date = Timestamp.parse(text) else {
            fail(name, "Input should be a valid datetime in ISO 8601", type: "datetime_parsing")
            return nil
        }
        guard Timestamp.range.contains(date) else {
            fail(name, "Input should be a datetime from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z", type: "datetime_range")
            return nil
        }
        return date
    }

    /// Throws a `ValidationError` when any filter failed.
    public func finish() throws {
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}
