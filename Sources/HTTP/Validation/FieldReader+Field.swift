import Foundation

/// Reading by declaration: the limits, and whether a field is required, come from its `Field`, with
/// the same errors as the reads that take them as arguments. Reading a field as another kind than
/// it was declared is a programming error.
extension FieldReader {
    /// The raw value, for fields whose checks are code of their own.
    public mutating func value(_ field: Field) -> JSONValue? {
        value(field.name, required: field.required)
    }

    public mutating func string(_ field: Field) -> String? {
        guard case .string(let minLength, let maxLength) = field.kind else { mismatch(field, "a string") }
        return string(field.name, required: field.required, minLength: minLength, maxLength: maxLength)
    }

    public mutating func int(_ field: Field) -> Int64? {
        guard case .integer(let minimum, let maximum) = field.kind else { mismatch(field, "an integer") }
        return int(field.name, required: field.required, range: minimum...maximum)
    }

    public mutating func bool(_ field: Field) -> Bool? {
        guard case .boolean = field.kind else { mismatch(field, "a boolean") }
        return bool(field.name, required: field.required)
    }

    public mutating func uuid(_ field: Field) -> UUID? {
        guard case .uuid = field.kind else { mismatch(field, "a UUID") }
        return uuid(field.name, required: field.required)
    }

    /// An ISO 8601 timestamp from 1970 to the end of 9999.
    public mutating func timestamp(_ field: Field) -> Date? {
        guard case .dateTime = field.kind else { mismatch(field, "a timestamp") }
        guard let text = string(field.name, required: field.required, maxLength: 40) else { return nil }
        guard let date = Timestamp.parse(text) else {
            fail(field.name, "Input should be a valid datetime in ISO 8601", type: "datetime_parsing")
            return nil
        }
        guard Timestamp.range.contains(date) else {
            fail(field.name, "Input should be a datetime from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z", type: "datetime_range")
            return nil
        }
        return date
    }

    /// One of the declared values; anything else is `enum`.
    public mutating func choice(_ field: Field) -> String? {
        guard case .choice(let values) = field.kind else { mismatch(field, "a choice") }
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value else {
            fail(field.name, "Input should be a valid string", type: "string_type")
            return nil
        }
        guard values.contains(text) else {
            fail(field.name, "Input should be \(Field.Kind.alternatives(values))", type: "enum")
            return nil
        }
        return text
    }

    public mutating func object(_ field: Field) -> [String: JSONValue]? {
        guard case .object(let maxBytes, let maxKeys) = field.kind else { mismatch(field, "an object") }
        return object(field.name, required: field.required, maxBytes: maxBytes, maxKeys: maxKeys)
    }

    /// A nested object whose own fields `read` reads (by their declarations in the kind's `FieldSet`).
    public mutating func nested<T>(_ field: Field, read: (inout FieldReader) -> T?) -> T? {
        guard case .fields = field.kind else { mismatch(field, "a nested object") }
        return nested(field.name, required: field.required, read: read)
    }

    /// A list of objects, each read by `item` at `[name, index]`.
    public mutating func objects<T>(_ field: Field, item: (inout FieldReader) -> T?) -> [T]? {
        guard case .list(.fields, _, let maxItems) = field.kind else { mismatch(field, "a list of objects") }
        return objects(field.name, required: field.required, maxItems: maxItems ?? Int.max, item: item)
    }

    /// A list of strings, choices or UUIDs (as their text). Any problem with it is one `list_type`
    /// error saying what the list should be, e.g. "Input should be a list of at most 20 strings of 1
    /// to 50 characters".
    public mutating func strings(_ field: Field) -> [String]? {
        guard case .list(let item, let minItems, let maxItems) = field.kind else { mismatch(field, "a list") }
        guard let value = value(field) else { return nil }
        func accepts(_ element: JSONValue) -> String? {
            guard case .string(let text) = element else { return nil }
            switch item {
            case .string(let minLength, let maxLength): return (minLength...maxLength).contains(text.unicodeScalars.count) ? text : nil
            case .choice(let values): return values.contains(text) ? text : nil
            case .uuid: return UUID(uuidString: text) != nil ? text : nil
            default: mismatch(field, "a list of strings, choices or UUIDs")
            }
        }
        if case .array(let elements) = value, (minItems...(maxItems ?? Int.max)).contains(elements.count) {
            let texts = elements.compactMap(accepts)
            if texts.count == elements.count { return texts }
        }
        fail(field.name, "Input should be a list of \(field.kind.listDescription(name: field.name))", type: "list_type")
        return nil
    }

    private func mismatch(_ field: Field, _ expected: String) -> Never {
        preconditionFailure("the field \(field.name) is declared as \(field.kind), read as \(expected)")
    }
}

extension Field.Kind {
    /// `'a', 'b' or 'c'`, as pydantic lists the allowed values.
    static func alternatives(_ values: [String]) -> String {
        let quoted = values.map { "'\($0)'" }
        return quoted.count > 1 ? quoted.dropLast().joined(separator: ", ") + " or " + quoted.last! : quoted.joined()
    }

    /// What a list of this kind holds, in words: `at most 20 strings of 1 to 50 characters`. UUIDs
    /// read as the field's name (`source_ids` → `source ids`).
    func listDescription(name: String) -> String {
        guard case .list(let item, let minItems, let maxItems) = self else { return "values" }
        var count = ""
        switch (minItems, maxItems) {
        case (0, let maximum?): count = "at most \(maximum) "
        case (let minimum, let maximum?): count = "\(minimum) to \(maximum) "
        case (0, nil): count = ""
        case (let minimum, nil): count = "at least \(minimum) "
        }
        switch item {
        case .string(0, let maxLength): return count + "strings of at most \(maxLength) characters"
        case .string(let minLength, let maxLength): return count + "strings of \(minLength) to \(maxLength) characters"
        case .choice(let values): return count + Self.alternatives(values)
        case .uuid: return count + name.replacingOccurrences(of: "_", with: " ")
        default: return count + "values"
        }
    }
}
