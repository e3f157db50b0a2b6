/// A statement or a fragment of one, written as a string literal whose interpolated values become
/// `?` placeholders and bound values, so nobody counts placeholders or splices a value into text:
///
///     let sql: SQL = "SELECT name FROM assistants WHERE \(scope) AND id = \(id)"
///
/// - `\(value)` binds any `DatabaseValueConvertible` (optionals bind NULL);
/// - `\(fragment)` splices another `SQL` with its bindings;
/// - `\(list: values)` writes a parenthesized list for `IN`, padded to a power of two by repeating
///   its last value, so lists of 3 and 4 ids share one statement text (and one prepared
///   statement); an empty list is `(NULL)`, which matches nothing;
/// - `\(columns: names)` and `\(identifier: name)` write checked identifiers, never values.
public struct SQL: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The statement text with `?` placeholders.
    public private(set) var text: String
    /// The values bound to the placeholders, in order.
    public private(set) var bindings: [DatabaseValue]
    /// The scopes whose condition or value this statement contains (see `ScopedConnection`).
    private(set) var scopes: [Scope]

    public init(stringLiteral value: String) {
        text = value
        bindings = []
        scopes = []
    }

    public init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
        bindings = stringInterpolation.bindings
        scopes = stringInterpolation.scopes
    }

    /// A fragment that is just the bound value, as `"\(value)"` would write it.
    public init(value: some DatabaseValueConvertible) {
        text = "?"
        bindings = [value.databaseValue]
        scopes = []
    }

    init(text: String, bindings: [DatabaseValue], scopes: [Scope]) {
        self.text = text
        self.bindings = bindings
        self.scopes = scopes
    }

    /// Appends `other` (with its bindings), separated by a space.
    public mutating func append(_ other: SQL) {
        if !text.isEmpty, !other.text.isEmpty { text += " " }
        text += other.text
        bindings += other.bindings
        scopes += other.scopes
    }

    /// `fragments` joined by `separator`, e.g. conditions by `" AND "`.
    public static func joined(_ fragments: [SQL], separator: String) -> SQL {
        var result = SQL(text: "", bindings: [], scopes: [])
        for (index, fragment) in fragments.enumerated() {
            if index > 0 { result.text += separator }
            result.text += fragment.text
            result.bindings += fragment.bindings
            result.scopes += fragment.scopes
        }
        return result
    }

    /// The list length a padded `IN` list of `count` values is written with.
    static func paddedListLength(_ count: Int) -> Int {
        guard count > 1 else { return count }
        var length = 1
        while length < count { length <<= 1 }
        return length
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""
        var bindings: [DatabaseValue] = []
        var scopes: [Scope] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount)
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        /// Binds a value.
        public mutating func appendInterpolation(_ value: some DatabaseValueConvertible) {
            text += "?"
            bindings.append(value.databaseValue)
        }

        /// Binds a value that may be absent: nil binds NULL. (Its own overload so that an optional
        /// is a deliberate value here, not the compiler's "debug description" warning.)
        public mutating func appendInterpolation<Value: DatabaseValueConvertible>(_ value: Value?) {
            text += "?"
            bindings.append(value.databaseValue)
        }

        /// Splices a fragment and its bindings.
        public mutating func appendInterpolation(_ fragment: SQL) {
            text += fragment.text
            bindings += fragment.bindings
            scopes += fragment.scopes
        }

        /// A parenthesized list of bound values for `IN`, in a stable shape (see `SQL`).
        public mutating func appendInterpolation<Values: Collection>(list values: Values)
        where Values.Element: DatabaseValueConvertible {
            let bound = values.map(\.databaseValue)
            guard let last = bound.last else {
                text += "(NULL)"
                return
            }
            let length = SQL.paddedListLength(bound.count)
            text += "(" + Array(repeating: "?", count: length).joined(separator: ", ") + ")"
            bindings += bound
            bindings += Array(repeating: last, count: length - bound.count)
        }

        /// A comma-separated list of column names.
        public mutating func appendInterpolation(columns names: [String]) {
            text += names.map(SQL.checkedIdentifier).joined(separator: ", ")
        }

        /// A table or column name (possibly qualified, `s.id`).
        public mutating func appendInterpolation(identifier name: String) {
            text += SQL.checkedIdentifier(name)
        }
    }

    /// Identifiers come from the code (record types, fixed lists), never from a client; anything
    /// else is a programming error caught by the first test that runs the statement.
    static func checkedIdentifier(_ name: String) -> String {
        precondition(
            !name.isEmpty
                && name.utf8.allSatisfy {
                    $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "*") || (48...57).contains($0)
                        || (65...90).contains($0) || (97...122).contains($0)
                },
            "not an SQL identifier: \(name)")
        return name
    }
}

extension SQL: CustomStringConvertible {
    /// The text only: bound values may be personal data and never reach a log.
    public var description: String { text }
}
