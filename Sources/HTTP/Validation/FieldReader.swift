import Foundation

/// Reads typed fields out of a JSON object, collecting every problem in pydantic's words so one
/// `422` lists them all. Call `finish()` after reading: it throws when anything failed or when the
/// object holds fields nobody read (a misspelt field is an error, not silently ignored).
public struct FieldReader {
    public let members: [String: JSONValue]
    public let location: [FieldError.Location]
    public private(set) var errors: [FieldError] = []
    private var seen: Set<String> = []

    public init(_ members: [String: JSONValue], location: [FieldError.Location]) {
        self.members = members
        self.location = location
    }

    /// Whether the client sent the field at all (`null` counts as sent).
    public func contains(_ name: String) -> Bool { members[name] != nil }

    /// Records a problem with a field; the field counts as read, so it is not also reported as extra.
    public mutating func fail(_ name: String, _ msg: String, type: String) {
        seen.insert(name)
        errors.append(FieldError(loc: location + [.key(name)], msg: msg, type: type))
    }

    public mutating func fail(at loc: [FieldError.Location], _ msg: String, type: String) {
        errors.append(FieldError(loc: location + loc, msg: msg, type: type))
    }

    /// Takes the raw value; a missing required field records `missing`. `null` reads as absent for optional fields.
    public mutating func value(_ name: String, required: Bool = false) -> JSONValue? {
        seen.insert(name)
        guard let value = members[name], value != .null else {
            if required { fail(name, "Field required", type: "missing") }
            return nil
        }
        return value
    }

    /// Lengths count Unicode code points, as MariaDB's `VARCHAR(n)` and pydantic do (not grapheme
    /// clusters, which can hide any number of combining marks).
    public mutating func string(_ name: String, required: Bool = false, minLength: Int = 0, maxLength: Int) -> String? {
        guard let value = value(name, required: required) else { return nil }
        guard case .string(let text) = value else {
            fail(name, "Input should be a valid string", type: "string_type")
            return nil
        }
        let length = text.unicodeScalars.count
        if length < minLength {
            fail(name, "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")", type: "string_too_short")
            return nil
        }
        if length > maxLength {
            fail(name, "String should have at most \(maxLength) characters", type: "string_too_long")
            return nil
        }
        return text
    }

    public mutating func bool(_ name: String, required: Bool = false) -> Bool? {
        guard let value = value(name, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            fail(name, "Input should be a valid boolean", type: "bool_type")
            return nil
        }
        return flag
    }

    public mutating func int(_ name: String, required: Bool = false, range: ClosedRange<Int64>) -> Int64? {
        guard let value = value(name, required: required) else { return nil }
        guard case .int(let number) = value else {
            fail(name, "Input should be a valid integer", type: "int_type")
            return nil
        }
        if number < range.lowerBound {
            fail(name, "Input should be greater than or equal to \(range.lowerBound)", type: "greater_than_equal")
            return nil
        }
        if number > range.upperBound {
            fail(name, "Input should be less than or equal to \(range.upperBound)", type: "less_than_equal")
            return nil
        }
        return number
    }

    /// A string holding a UUID, such as a resource id in a body: anything else is `uuid_parsing`.
    public mutating func uuid(_ name: String, required: Bool = false) -> UUID? {
        guard let text = string(name, required: required, minLength: 1, maxLength: 64) else { return nil }
        guard let id = UUID(uuidString: text) else {
            fail(name, "Input should be a valid UUID", type: "uuid_parsing")
            return nil
        }
        return id
    }

    /// Keys a free-form object (`metadata`, template variables) may have, at its top level.
    public static let maximumObjectKeys = 100

    /// A JSON object, bounded in serialized size and in keys so free-form fields cannot grow without limit.
    public mutating func object(
        _ name: String, required: Bool = false, maxBytes: Int,
        maxKeys: Int = FieldReader.maximumObjectKeys
    ) -> [String: JSONValue]? {
        guard let value = value(name, required: required) else { return nil }
        guard case .object(let members) = value else {
            fail(name, "Input should be a valid dictionary", type: "dict_type")
            return nil
        }
        if members.count > maxKeys {
            fail(name, "Dictionary should have at most \(maxKeys) keys, not \(members.count)", type: "too_long")
            return nil
        }
        if value.serialized.utf8.count > maxBytes {
            fail(name, "Value should be at most \(maxBytes) bytes of JSON", type: "too_long")
            return nil
        }
        return members
    }

    /// A nested object read by `read` with its own reader at `[name]`; its unknown fields are
    /// errors like the outer object's. `nil` when absent, not an object, or when any of its fields failed.
    public mutating func nested<T>(_ name: String, required: Bool = false, read: (inout FieldReader) -> T?) -> T? {
        guard let value = value(name, required: required) else { return nil }
        guard case .object(let members) = value else {
            fail(name, "Input should be a valid dictionary", type: "dict_type")
            return nil
        }
        var reader = FieldReader(members, location: location + [.key(name)])
        let result = read(&reader)
        reader.checkUnknownFields()
        errors += reader.errors
        return reader.errors.isEmpty ? result : nil
    }

    /// A list whose items are objects, each read by `item` with its own reader at `[name, index]`.
    public mutating func objects<T>(
        _ name: String, required: Bool = false, maxItems: Int, item: (inout FieldReader) -> T?
    ) -> [T]? {
        guard let value = value(name, required: required) else { return nil }
        guard case .array(let elements) = value else {
            fail(name, "Input should be a valid list", type: "list_type")
            return nil
        }
        if elements.count > maxItems {
            fail(name, "List should have at most \(maxItems) items after validation, not \(elements.count)", type: "too_long")
            return nil
        }
        var results: [T] = []
        var failed = false
        for (index, element) in elements.enumerated() {
            guard case .object(let members) = element else {
                fail(at: [.key(name), .index(index)], "Input should be a valid dictionary", type: "dict_type")
                failed = true
                continue
            }
            var reader = FieldReader(members, location: location + [.key(name), .index(index)])
            let result = item(&reader)
            reader.checkUnknownFields()
            errors += reader.errors
            if let result, reader.errors.isEmpty { results.append(result) } else { failed = true }
        }
        return failed ? nil : results
    }

    /// Records `extra_forbidden` for every field that was not read.
    public mutating func checkUnknownFields() {
        for name in members.keys.sorted() where !seen.contains(name) {
            fail(name, "Extra inputs are not permitted", type: "extra_forbidden")
        }
        seen.formUnion(members.keys)
    }

    /// Throws a `ValidationError` when any field failed or was unknown.
    public mutating func finish() throws {
        checkUnknownFields()
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}

extension String {
    /// The first `count` Unicode code points: what fits a MariaDB `VARCHAR(count)` column, where
    /// `prefix(count)` (grapheme clusters) may hold many more.
    public func prefix(codePoints count: Int) -> String {
        unicodeScalars.count <= count ? self : String(String.UnicodeScalarView(unicodeScalars.prefix(count)))
    }
}
