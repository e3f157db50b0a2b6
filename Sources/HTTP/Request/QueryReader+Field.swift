import Foundation

/// Reading query parameters by declaration: the limits come from the parameter's `Field`, with the
/// same errors as the reads that take them as arguments, so the limits the contract documents (from
/// the same declarations) are the ones enforced. Reading a parameter as another kind than it was
/// declared is a programming error.
extension QueryReader {
    /// The text of a typed parameter whose checks are code of their own, refused past `maxLength`
    /// code points like any string; empty when given empty, which the caller's checks refuse.
    public mutating func value(_ field: Field, maxLength: Int) -> String? {
        typed(field.name, maxLength: maxLength)
    }

    public mutating func string(_ field: Field) -> String? {
        guard let lengths = field.kind.lengths else { mismatch(field, "a string") }
        // Empty is no value of a string with a minimum length: it is too short, not absent.
        let given =
            lengths.lowerBound > 0
            ? typed(field.name, maxLength: lengths.upperBound) : string(field.name, maxLength: lengths.upperBound)
        guard let text = given else { return nil }
        guard text.unicodeScalars.count >= lengths.lowerBound else {
            let minimum = lengths.lowerBound
            fail(field.name, "String should have at least \(minimum) character\(minimum == 1 ? "" : "s")", type: "string_too_short")
            return nil
        }
        return text
    }

    /// An integer within the declared range: `int_parsing` when it is not one, `greater_than_equal`
    /// or `less_than_equal` outside the range.
    public mutating func int(_ field: Field) -> Int64? {
        guard let range = field.kind.range else { mismatch(field, "an integer") }
        guard let text = typed(field.name, maxLength: .max) else { return nil }
        guard let number = Int64(text) else {
            fail(field.name, "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing")
            return nil
        }
        if number < range.lowerBound {
            fail(field.name, "Input should be greater than or equal to \(range.lowerBound)", type: "greater_than_equal")
            return nil
        }
        if number > range.upperBound {
            fail(field.name, "Input should be less than or equal to \(range.upperBound)", type: "less_than_equal")
            return nil
        }
        return number
    }

    public mutating func uuid(_ field: Field) -> UUID? {
        guard case .uuid = field.kind else { mismatch(field, "a UUID") }
        return uuid(field.name)
    }

    public mutating func bool(_ field: Field) -> Bool? {
        guard case .boolean = field.kind else { mismatch(field, "a boolean") }
        return bool(field.name)
    }

    public mutating func timestamp(_ field: Field) -> Date? {
        guard case .dateTime = field.kind else { mismatch(field, "a timestamp") }
        return timestamp(field.name)
    }

    /// One of the declared values, as the `T` of that raw value; anything else is `enum`.
    public mutating func choice<T: RawRepresentable>(_ field: Field, _ type: T.Type) -> T? where T.RawValue == String {
        guard case .choice(let values) = field.kind else { mismatch(field, "a choice") }
        guard let text = typed(field.name, maxLength: 100) else { return nil }
        guard values.contains(text), let value = T(rawValue: text) else {
            fail(field.name, "Input should be \(Field.Kind.alternatives(values))", type: "enum")
            return nil
        }
        return value
    }

    private func mismatch(_ field: Field, _ expected: String) -> Never {
        preconditionFailure("the query parameter \(field.name) is declared as \(field.kind), read as \(expected)")
    }
}
