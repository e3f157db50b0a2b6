import HTTP

/// Small builders for the JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the API contract.
enum JSONSchema {
    static func string(
        _ description: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, format: String? = nil,
        enum values: [String]? = nil
    ) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("string")]
        if let description { schema["description"] = .string(description) }
        if let minLength { schema["minLength"] = .int(Int64(minLength)) }
        if let maxLength { schema["maxLength"] = .int(Int64(maxLength)) }
        if let format { schema["format"] = .string(format) }
        if let values { schema["enum"] = .array(values.map(JSONValue.string)) }
        return .object(schema)
    }

    static func integer(_ description: String? = nil, minimum: Int64? = nil, maximum: Int64? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("integer")]
        if let description { schema["description"] = .string(description) }
        if let minimum { schema["minimum"] = .int(minimum) }
        if let maximum { schema["maximum"] = .int(maximum) }
        return .object(schema)
    }

    static let number: JSONValue = .object(["type": .string("number")])
    static let boolean: JSONValue = .object(["type": .string("boolean")])
    static let uuid = string(format: "uuid")
    static let dateTime = string(format: "date-time")
    /// A free-form JSON object.
    static let freeObject: JSONValue = .object(["type": .string("object")])
    static let anyValue: JSONValue = .object([:])

    static func array(_ items: JSONValue, maxItems: Int? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("array"), "items": items]
        if let maxItems { schema["maxItems"] = .int(Int64(maxItems)) }
        return .object(schema)
    }

    /// An object with these properties; `required` ones must be present. Unknown properties are
    /// refused in request bodies (`closed`), tolerated in responses.
    static func object(_ properties: [String: JSONValue], required: [String] = [], closed: Bool = false) -> JSONValue {
        var schema: [String: JSONValue] = ["type": .string("object"), "properties": .object(properties)]
        if !required.isEmpty { schema["required"] = .array(required.sorted().map(JSONValue.string)) }
        if closed { schema["additionalProperties"] = .bool(false) }
        return .object(schema)
    }

    /// A response object: every listed property is always present.
    static func record(_ properties: [String: JSONValue]) -> JSONValue {
        object(properties, required: Array(properties.keys))
    }

    /// `schema` or `null`.
    static func nullable(_ schema: JSONValue) -> JSONValue {
        .object(["oneOf": .array([schema, .object(["type": .string("null")])])])
    }

    static func ref(_ name: String) -> JSONValue {
        .object(["$ref": .string("#/components/schemas/\(name)")])
    }

    /// `{"items": [...], "count": N}`.
    static func page(of item: JSONValue) -> JSONValue {
        record(["items": array(item), "count": integer(minimum: 0)])
    }
}
