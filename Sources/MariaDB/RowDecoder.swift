import KeyCase
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Marks a `Codable` type whose properties are columns of the row that contains it (an
/// assistant's configuration is six of the assistant's columns), rather than one JSON column.
public protocol FlattenedColumns: Codable {}

/// A type that reads itself from a row by hand: the same result as its `Decodable` conformance
/// (which stays the reference a test compares it with), without `Codable`'s generic containers —
/// for the hot record types, decoded by the page.
public protocol RowDecodable: Decodable {
    init(row: Row) throws
}

extension Row {
    /// Decodes the row as `T`: each property from the column named as its snake_case form
    /// (`createdByAPIKeyID` ← `created_by_api_key_id`).
    ///
    /// - `DatabaseValueConvertible` properties convert the column's value;
    /// - `FlattenedColumns` properties decode from this same row;
    /// - a raw-value enum decodes from the column's text or integer;
    /// - anything else (arrays, dictionaries, nested structs) is JSON text in its column.
    ///
    /// A property with no column fails loudly, even an optional one: a typo must not read as NULL.
    /// A type that is itself `DatabaseValueConvertible` (`fetchAll(Int.self, …)`) decodes the
    /// first column.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        if case .convertible(let convertible) = PropertyKind.of(type) {
            guard !values.isEmpty else { throw DatabaseError(kind: .decoding, message: "the result has no columns") }
            return try Self.convert(values[0], to: convertible, column: columns[0]) as! T
        }
        if let decodable = type as? any RowDecodable.Type {
            return try decodable.init(row: self) as! T
        }
        return try decodeThroughCodable(as: type)
    }

    /// Decodes through `T`'s `Decodable` conformance even when it is `RowDecodable`.
    func decodeThroughCodable<T: Decodable>(as type: T.Type = T.self) throws -> T {
        do {
            return try T(from: RowDecoder(row: self))
        } catch let error as DatabaseError {
            throw error
        } catch {
            throw DatabaseError(kind: .decoding, message: "cannot decode \(T.self) from a row")
        }
    }

    static func convert<T: DatabaseValueConvertible>(_ value: DatabaseValue, to type: T.Type, column: String) throws -> T {
        do {
            return try type.init(databaseValue: value)
        } catch let error as DatabaseError {
            throw DatabaseError(kind: .decoding, message: "column '\(column)': \(error.message)")
        }
    }
}

/// How a property's type is read from a row. Asking the runtime whether a type conforms costs a
/// cache lookup per property per row; the answer never changes, so it is asked once per type.
private enum PropertyKind: @unchecked Sendable {
    case flattened
    case convertible(any DatabaseValueConvertible.Type)
    /// Asks for a keyed or unkeyed container: JSON text in its column.
    case json
    case other

    static func of(_ type: Any.Type) -> PropertyKind {
        let id = ObjectIdentifier(type)
        if let known = known.withLock({ $0[id] }) { return known }
        let kind: PropertyKind =
            if type is any FlattenedColumns.Type { .flattened } else if let convertible = type as? any DatabaseValueConvertible.Type {
                .convertible(convertible)
            } else { .other }
        remember(kind, for: type)
        return kind
    }

    static func remember(_ kind: PropertyKind, for type: Any.Type) {
        known.withLock { $0[ObjectIdentifier(type)] = kind }
    }

    private static let known = Mutex<[ObjectIdentifier: PropertyKind]>([:])
}

/// One decoder for every JSON column: making one per value cost more than decoding a short array.
private let jsonColumnDecoder = JSONDecoder()

private struct RowDecoder: Decoder {
    let row: Row
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "a row decodes into a struct, not an array")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "a row decodes into a struct, not a single value")
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: Row
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    /// Every key is "present": an optional property whose column was not selected then fails in
    /// `decodeNil` (no such column) instead of reading as NULL, so a typo cannot pass for data.
    func contains(_ key: Key) -> Bool { true }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        if case .flattened = PropertyKind.of(type) {
            return try decode(type, forKey: key)
        }
        return try decodeNil(forKey: key) ? nil : try decode(type, forKey: key)
    }

    private func value(_ key: Key) throws -> (column: String, value: DatabaseValue) {
        let column = snakeCased(key.stringValue)
        guard let value = row[column] else {
            throw DatabaseError(kind: .decoding, message: "no column named '\(column)' in the result")
        }
        return (column, value)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try value(key).value.isNull
    }

    // The common column types without a kind lookup.
    func decode(_: String.Type, forKey key: Key) throws -> String { try scalar(key) }
    func decode(_: Int.Type, forKey key: Key) throws -> Int { try scalar(key) }
    func decode(_: Int64.Type, forKey key: Key) throws -> Int64 { try scalar(key) }
    func decode(_: Bool.Type, forKey key: Key) throws -> Bool { try scalar(key) }
    func decode(_: Double.Type, forKey key: Key) throws -> Double { try scalar(key) }
    func decodeIfPresent(_: String.Type, forKey key: Key) throws -> String? { try optionalScalar(key) }
    func decodeIfPresent(_: Int.Type, forKey key: Key) throws -> Int? { try optionalScalar(key) }
    func decodeIfPresent(_: Int64.Type, forKey key: Key) throws -> Int64? { try optionalScalar(key) }
    func decodeIfPresent(_: Bool.Type, forKey key: Key) throws -> Bool? { try optionalScalar(key) }
    func decodeIfPresent(_: Double.Type, forKey key: Key) throws -> Double? { try optionalScalar(key) }

    private func scalar<T: DatabaseValueConvertible>(_ key: Key) throws -> T {
        let (column, value) = try value(key)
        return try Row.convert(value, to: T.self, column: column)
    }

    private func optionalScalar<T: DatabaseValueConvertible>(_ key: Key) throws -> T? {
        let (column, value) = try value(key)
        return value.isNull ? nil : try Row.convert(value, to: T.self, column: column)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let kind = PropertyKind.of(type)
        if case .flattened = kind {
            return try T(from: RowDecoder(row: row))
        }
        let (column, value) = try value(key)
        if case .convertible(let convertible) = kind {
            return try Row.convert(value, to: convertible, column: column) as! T
        }
        if case .json = kind {
            return try decodeJSON(type, value, column)
        }
        do {
            return try T(from: ColumnDecoder(value: value))
        } catch is ColumnDecoder.NeedsJSON {
            PropertyKind.remember(.json, for: type)
            return try decodeJSON(type, value, column)
        } catch let error as DatabaseError {
            throw DatabaseError(kind: .decoding, message: "column '\(column)': \(error.message)")
        } catch {
            // Not the error itself: a DecodingError quotes the value, which may be personal data.
            throw DatabaseError(kind: .decoding, message: "column '\(column)': cannot decode \(T.self) from \(value.typeName)")
        }
    }

    private func decodeJSON<T: Decodable>(_: T.Type, _ value: DatabaseValue, _ column: String) throws -> T {
        let bytes: [UInt8]
        switch value {
        case .text(let text): bytes = Array(text.utf8)
        case .blob(let blob): bytes = blob
        default: throw DatabaseError(kind: .decoding, message: "column '\(column)': expected JSON text, found \(value.typeName)")
        }
        do {
            return try jsonColumnDecoder.decode(T.self, from: Data(bytes))
        } catch {
            throw DatabaseError(kind: .decoding, message: "column '\(column)': not JSON of \(T.self)")
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey _: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(RowContainer<NestedKey>(row: row))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DatabaseError(kind: .decoding, message: "column '\(snakeCased(key.stringValue))': arrays are JSON columns")
    }

    func superDecoder() throws -> any Decoder { RowDecoder(row: row) }
    func superDecoder(forKey _: Key) throws -> any Decoder { RowDecoder(row: row) }
}

/// Decodes one column value into a type that asks for a single value (raw-value enums, wrappers);
/// a type that asks for a keyed or unkeyed container is stored as JSON instead.
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    struct NeedsJSON: Error {}

    let value: DatabaseValue
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let convertible = type as? any DatabaseValueConvertible.Type {
            return try convertible.init(databaseValue: value) as! T
        }
        return try T(from: self)
    }

    func decode(_: Bool.Type) throws -> Bool { try Bool(databaseValue: value) }
    func decode(_: String.Type) throws -> String { try String(databaseValue: value) }
    func decode(_: Double.Type) throws -> Double { try Double(databaseValue: value) }
    func decode(_: Float.Type) throws -> Float { Float(try Double(databaseValue: value)) }
    func decode(_: Int.Type) throws -> Int { try Int(databaseValue: value) }
    func decode(_: Int8.Type) throws -> Int8 { try narrow(Int8.self) }
    func decode(_: Int16.Type) throws -> Int16 { try narrow(Int16.self) }
    func decode(_: Int32.Type) throws -> Int32 { try Int32(databaseValue: value) }
    func decode(_: Int64.Type) throws -> Int64 { try Int64(databaseValue: value) }
    func decode(_: UInt.Type) throws -> UInt { try narrow(UInt.self) }
    func decode(_: UInt8.Type) throws -> UInt8 { try narrow(UInt8.self) }
    func decode(_: UInt16.Type) throws -> UInt16 { try narrow(UInt16.self) }
    func decode(_: UInt32.Type) throws -> UInt32 { try narrow(UInt32.self) }
    func decode(_: UInt64.Type) throws -> UInt64 { try UInt64(databaseValue: value) }

    private func narrow<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let wide = try Int64(databaseValue: value)
        guard let exact = T(exactly: wide) else { throw DatabaseError.outOfRange(T.self, found: value) }
        return exact
    }
}
