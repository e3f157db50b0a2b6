/// One field of a request, declared once: its name, what it holds with its limits, whether it must
/// be sent, and what it means. A body field, a query parameter, a header or a form part: `FieldReader`
/// and `QueryReader` read by these declarations and `schema` documents them, so what the API checks
/// and what it says it checks cannot drift apart.
public struct Field: Sendable, Equatable {
    /// What a field holds, with the limits its reader enforces. Only `list` is boxed (it nests a
    /// kind): a wholly `indirect` enum keeps its case in the box pointer's spare bits, which hides
    /// the declarations held in static storage from LeakSanitizer and fails parser fuzzing.
    public enum Kind: Sendable, Equatable {
        /// Lengths in Unicode code points.
        case string(minLength: Int = 0, maxLength: Int)
        case integer(minimum: Int64, maximum: Int64)
        /// A decimal number, such as a duration in milliseconds.
        case number(minimum: Double? = nil, maximum: Double? = nil)
        case boolean
        case uuid
        /// An ISO 8601 timestamp.
        case dateTime
        /// A string that must be one of `values`.
        case choice([String])
        /// A free-form JSON object, bounded in serialized size and in top-level keys.
        case object(maxBytes: Int, maxKeys: Int = FieldReader.maximumObjectKeys)
        indirect case list(of: Kind, minItems: Int = 0, maxItems: Int? = nil)
        /// An object with fields of its own.
        case fields(FieldSet)
        /// A file's bytes: a part of a multipart form.
        case file
    }

    public var name: String
    public var kind: Kind
    public var required: Bool
    /// Whether `null` is a value of its own (it clears the field), not only another way to leave it out.
    public var nullable: Bool
    public var description: String?

    public init(_ name: String, _ kind: Kind, required: Bool = false, nullable: Bool = false, _ description: String? = nil) {
        self.name = name
        self.kind = kind
        self.required = required
        self.nullable = nullable
        self.description = description
    }

    /// The same field, required or not: a `PATCH` takes the fields a create requires as optional.
    public func required(_ flag: Bool) -> Field {
        var field = self
        field.required = flag
        return field
    }

    /// The same field with other limits (limits an operator configures, for instance).
    public func with(_ kind: Kind) -> Field {
        var field = self
        field.kind = kind
        return field
    }
}

/// The fields of one JSON object body. It is closed: fields it does not declare are refused
/// (`extra_forbidden`), and its schema says so.
public struct FieldSet: Sendable, Equatable {
    public var fields: [Field]

    public init(_ fields: [Field]) {
        precondition(Set(fields.map(\.name)).count == fields.count, "a field is declared twice")
        self.fields = fields
    }

    public subscript(name: String) -> Field? { fields.first { $0.name == name } }

    /// Every field optional, as a `PATCH` reads them.
    public var partial: FieldSet { FieldSet(fields.map { $0.required(false) }) }

    /// The set without the named fields.
    public func removing(_ names: String...) -> FieldSet { FieldSet(fields.filter { !names.contains($0.name) }) }

    /// The set with more fields.
    public func adding(_ more: Field...) -> FieldSet { FieldSet(fields + more) }
}

extension Field.Kind {
    /// The lengths a `string` accepts, in code points; `nil` for other kinds.
    public var lengths: ClosedRange<Int>? {
        if case .string(let minLength, let maxLength) = self { minLength...maxLength } else { nil }
    }

    /// The values an `integer` accepts; `nil` for other kinds.
    public var range: ClosedRange<Int64>? {
        if case .integer(let minimum, let maximum) = self { minimum...maximum } else { nil }
    }
}
