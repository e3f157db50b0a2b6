import KeyCase

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Encodes a value into columns the way `Row.decode(as:)` reads them back: snake_case column
/// names, `DatabaseValueConvertible` values as they are, `FlattenedColumns` properties inline,
/// single values (raw-value enums) as their raw value, anything else as JSON text.
public struct RowEncoder {
    public init() {}

    /// Column names and values, in the order the type encodes its properties.
    public func encode(_ value: some Encodable) throws -> [(column: String, value: DatabaseValue)] {
        let storage = RowStorage()
        try value.encode(to: RowEncoding(storage: storage))
        return storage.columns
    }

    static func json(_ value: some Encodable) throws -> DatabaseValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return .text(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

private final class RowStorage {
    var columns: [(column: String, value: DatabaseValue)] = []
}

private struct RowEncoding: Encoder {
    let storage: RowStorage
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [.databaseRow: true] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(RowEncodingContainer<Key>(storage: storage))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("a row encodes from a struct, not an array")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        preconditionFailure("a row encodes from a struct, not a single value")
    }
}

private struct RowEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let storage: RowStorage
    var codingPath: [any CodingKey] { [] }

    private func append(_ value: DatabaseValue, _ key: Key) {
        storage.columns.append((snakeCased(key.stringValue), value))
    }

    mutating func encodeNil(forKey key: Key) throws {
        append(.null, key)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let convertible = value as? any DatabaseValueConvertible {
            append(convertible.databaseValue, key)
        } else if value is any FlattenedColumns {
            try value.encode(to: RowEncoding(storage: storage))
        } else {
            let single = SingleValueCapture()
            do {
                try value.encode(to: single)
            } catch is SingleValueCapture.NeedsJSON {}
            append(single.wantsContainer ? try RowEncoder.json(value) : single.value ?? .null, key)
        }
    }

    /// Optionals arrive here when a type's synthesized `encode(to:)` skips nil values; a nil
    /// must still write its column (NULL), so every row of a type has the same columns (and its
    /// INSERT one statement text). Synthesized code calls the overload of the wrapped type, so
    /// each standard one is implemented too.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        try encodeOptional(value, forKey: key)
    }

    // The standard library's defaults for these types skip a nil instead of writing NULL, and they
    // are chosen over the generic method above: each one is spelled out.
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, forKey: key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else {
            append(.null, key)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey _: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(RowEncodingContainer<NestedKey>(storage: storage))
    }

    mutating func nestedUnkeyedContainer(forKey _: Key) -> any UnkeyedEncodingContainer {
        preconditionFailure("arrays are JSON columns: encode them as a value")
    }

    mutating func superEncoder() -> any Encoder { RowEncoding(storage: storage) }
    mutating func superEncoder(forKey _: Key) -> any Encoder { RowEncoding(storage: storage) }
}

/// Captures a value that encodes as one primitive (a raw-value enum); anything that asks for a
/// container is stored as JSON instead.
private final class SingleValueCapture: Encoder, SingleValueEncodingContainer {
    struct NeedsJSON: Error {}

    var value: DatabaseValue?
    /// Set when the value asked for a container, even one it left empty (`[:]`, `[]`).
    var wantsContainer = false
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        wantsContainer = true
        return KeyedEncodingContainer(ThrowingContainer<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        wantsContainer = true
        return ThrowingUnkeyed()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { value = .null }
    func encode(_ value: Bool) throws { self.value = value.databaseValue }
    func encode(_ value: String) throws { self.value = .text(value) }
    func encode(_ value: Double) throws { self.value = .double(value) }
    func encode(_ value: Float) throws { self.value = .double(Double(value)) }
    func encode(_ value: Int) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int8) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int16) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int32) throws { self.value = .int(Int64(value)) }
    func encode(_ value: Int64) throws { self.value = .int(value) }
    func encode(_ value: UInt) throws { self.value = .uint(UInt64(value)) }
    func encode(_ value: UInt8) throws { self.value = .uint(UInt64(value)) }
    func encode(_ value: UInt16) throws { self.value = .uint(UInt64(value)) }
    func encode(_ value: UInt32) throws { self.value = .uint(UInt64(value)) }
    func encode(_ value: UInt64) throws { self.value = .uint(value) }

    func encode<T: Encodable>(_ value: T) throws {
        if let convertible = value as? any DatabaseValueConvertible {
            self.value = convertible.databaseValue
        } else {
            try value.encode(to: self)
        }
    }

    /// Stops the encoding at the first value: the whole value is encoded as JSON instead.
    private struct ThrowingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        var codingPath: [any CodingKey] { [] }
        mutating func encodeNil(forKey _: Key) throws { throw NeedsJSON() }
        mutating func encode<T: Encodable>(_: T, forKey _: Key) throws { throw NeedsJSON() }
        mutating func nestedContainer<N: CodingKey>(keyedBy _: N.Type, forKey _: Key) -> KeyedEncodingContainer<N> {
            KeyedEncodingContainer(ThrowingContainer<N>())
        }
        mutating func nestedUnkeyedContainer(forKey _: Key) -> any UnkeyedEncodingContainer { ThrowingUnkeyed() }
        mutating func superEncoder() -> any Encoder { SingleValueCapture() }
        mutating func superEncoder(forKey _: Key) -> any Encoder { SingleValueCapture() }
    }

    private struct ThrowingUnkeyed: UnkeyedEncodingContainer {
        var codingPath: [any CodingKey] { [] }
        var count: Int { 0 }
        mutating func encodeNil() throws { throw NeedsJSON() }
        mutating func encode<T: Encodable>(_: T) throws { throw NeedsJSON() }
        mutating func nestedContainer<N: CodingKey>(keyedBy _: N.Type) -> KeyedEncodingContainer<N> {
            KeyedEncodingContainer(ThrowingContainer<N>())
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { ThrowingUnkeyed() }
        mutating func superEncoder() -> any Encoder { SingleValueCapture() }
    }
}

extension CodingUserInfoKey {
    /// Present (true) in `userInfo` while `RowEncoder` encodes: a type whose API form differs
    /// from its row in a column or two checks `encoder.isEncodingDatabaseRow` instead of keeping
    /// a second encoding.
    public static let databaseRow = CodingUserInfoKey(rawValue: "companin.databaseRow")!
}

extension Encoder {
    public var isEncodingDatabaseRow: Bool {
        userInfo[.databaseRow] as? Bool == true
    }
}
