extension Field.Kind {
    /// The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of a value of this kind, with the limits the reader enforces.
    public var schema: JSONValue {
        var schema: [String: JSONValue]
        switch self {
        case .string(let minLength, let maxLength):
            schema = ["type": .string("string"), "maxLength": .int(Int64(maxLength))]
            if minLength > 0 { schema["minLength"] = .int(Int64(minLength)) }
        case .integer(let minimum, let maximum):
            schema = ["type": .string("integer"), "minimum": .int(minimum), "maximum": .int(maximum)]
        case .number(let minimum, let maximum):
            schema = ["type": .string("number")]
            if let minimum { schema["minimum"] = Self.bound(minimum) }
            if let maximum { schema["maximum"] = Self.bound(maximum) }
        case .boolean:
            schema = ["type": .string("boolean")]
        case .uuid:
            schema = ["type": .string("string"), "format": .string("uuid")]
        case .dateTime:
            schema = ["type": .string("string"), "format": .string("date-time")]
        case .choice(let values):
            schema = ["type": .string("string"), "enum": .array(values.map(JSONValue.string))]
        case .object(_, let maxKeys):
            schema = ["type": .string("object"), "maxProperties": .int(Int64(maxKeys))]
        case .list(let item, let minItems, let maxItems):
            schema = ["type": .string("array"), "items": item.schema]
            if minItems > 0 { schema["minItems"] = .int(Int64(minItems)) }
            if let maxItems { schema["maxItems"] = .int(Int64(maxItems)) }
        case .fields(let set):
            return set.schema
        case .file:
            schema = ["type": .string("string"), "format": .string("binary")]
        }
        return .object(schema)
    }

    /// A bound of a number as JSON: `0`, not `0.0`, when it is whole.
    private static func bound(_ value: Double) -> JSONValue {
        value.rounded() == value && abs(value) < 1e15 ? .int(Int64(value)) : .double(value)
    }
}

extension Field {
    /// The field's schema with its description; `oneOf` it and `null` when `null` is a value of its own.
    public var schema: JSONValue {
        var schema = kind.schema
        if let description, case .object(var members) = schema {
            members["description"] = .string(description)
            schema = .object(members)
        }
        guard nullable else { return schema }
        return .object(["oneOf": .array([schema, .object(["type": .string("null")])])])
    }
}

extension FieldSet {
    /// A closed object: its fields as properties, the required ones listed, no others allowed. An
    /// optional field may also be `null`, which `FieldReader` reads as leaving it out.
    public var schema: JSONValue { schema(nullAsAbsent: true) }

    /// The object's schema; `nullAsAbsent: false` where no `null` can be sent (the parts of a form).
    public func schema(nullAsAbsent: Bool) -> JSONValue {
        func property(_ field: Field) -> JSONValue {
            guard nullAsAbsent, !field.required, !field.nullable else { return field.schema }
            return .object(["oneOf": .array([field.schema, .object(["type": .string("null")])])])
        }
        var schema: [String: JSONValue] = [
            "type": .string("object"),
            "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, property($0)) })),
            "additionalProperties": .bool(false),
        ]
        let required = fields.filter(\.required).map(\.name).sorted()
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }
}
