import Foundation
import KeyCase
import Synchronization

/// Encodes `Encodable` values as compact JSON with object keys in the order they were encoded —
/// the declaration order of a type's `CodingKeys` — so every response has a stable, readable shape
/// (`{"items": [...], "count": 3}`) in every process. Dictionaries, whose order is arbitrary, are
/// written with sorted keys. Dates are ISO 8601 UTC timestamps. A `nil` optional is written as
/// `null`, so every response of a type has the same keys. Property names are written in
/// snake_case (`createdAt` → `created_at`), so a view is a plain struct; dictionary keys as they are. Foundation's `JSONEncoder` offers
/// either hash order, which varies per process, or sorted keys.
public struct OrderedJSONEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> Data {
        let root = JSONNode()
        try root.store(value, codingPath: [])
        var output = ""
        root.write(to: &output)
        return Data(output.utf8)
    }
}

/// One value being built. A reference type, because containers handed out by the encoder must
/// keep writing into the same place after they are returned; its members are stored properties so
/// that adding one mutates in place rather than copying what is already there.
final class JSONNode {
    enum Kind { case empty, scalar, object, array }

    private var kind = Kind.empty
    /// The JSON text of a scalar.
    private var text = ""
    /// An object's keys in the order they were first encoded, and their values in the same order.
    private var keys: [String] = []
    private var members: [JSONNode] = []
    /// Positions of the keys, built once an object is too large to search them one by one.
    private var positions: [String: Int]?
    private static let searchedKeys = 16
    private var sorted = false
    private var items: [JSONNode] = []

    func setScalar(_ json: String) {
        kind = .scalar
        text = json
    }

    func store<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws {
        switch ValueKind.of(T.self) {
        case .writable:
            var writer = JSONWriter()
            (value as! any JSONWritable).write(to: &writer)
            setScalar(writer.text)
        case .date:
            setScalar(JSONValue.string(Timestamp.format(value as! Date)).serialized)
        case .json:
            setScalar((value as! JSONValue).serialized)
        case .url:
            setScalar(JSONValue.string((value as! URL).absoluteString).serialized)
        case .uuid:
            setScalar(JSONValue.string((value as! UUID).uuidString.lowercased()).serialized)
        case .dictionary:
            try value.encode(to: NodeEncoder(node: self, codingPath: codingPath, sortsKeys: true))
        case .scalar, .flattened, .other:
            try value.encode(to: NodeEncoder(node: self, codingPath: codingPath, sortsKeys: false))
        }
    }

    func child(forKey key: String) -> JSONNode {
        makeObject(sorted: false)
        if let positions {
            if let position = positions[key] { return members[position] }
        } else if let position = keys.firstIndex(of: key) {
            return members[position]
        }
        let node = JSONNode()
        keys.append(key)
        members.append(node)
        if positions != nil {
            positions?[key] = keys.count - 1
        } else if keys.count > Self.searchedKeys {
            positions = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices))
        }
        return node
    }

    func makeObject(sorted: Bool) {
        guard kind != .object else { return }
        kind = .object
        self.sorted = sorted
    }

    func makeArray() {
        kind = .array
    }

    func appendElement() -> JSONNode {
        kind = .array
        let node = JSONNode()
        items.append(node)
        return node
    }

    var count: Int {
        switch kind {
        case .array: items.count
        case .object: keys.count
        default: 0
        }
    }

    func write(to output: inout String) {
        switch kind {
        case .empty:
            output += "{}"
        case .scalar:
            output += text
        case .object:
            output += "{"
            let order = sorted ? keys.indices.sorted { keys[$0] < keys[$1] } : Array(keys.indices)
            for (index, position) in order.enumerated() {
                if index > 0 { output += "," }
                JSONValue.writeString(keys[position], to: &output)
                output += ":"
                members[position].write(to: &output)
            }
            output += "}"
        case .array:
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                item.write(to: &output)
            }
            output += "]"
        }
    }
}

/// A value whose properties are written into the object that contains it, in place of its own
/// key: the parts several views share (a knowledge source's ingestion times) are declared once
/// and the views stay plain structs.
public protocol FlattenedJSON: Encodable {}

/// Marks dictionaries, whose keys have no meaningful order and are written sorted.
protocol DictionaryEncoding {}
extension Dictionary: DictionaryEncoding {}

private struct NodeEncoder: Encoder {
    let node: JSONNode
    let codingPath: [any CodingKey]
    let sortsKeys: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.makeObject(sorted: sortsKeys)
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath, isDictionary: sortsKeys))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.makeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(node: node, codingPath: codingPath)
    }
}

/// How a value's type is written. Asking the runtime whether a type conforms costs a cache lookup
/// per cast, and a struct property went through six of them; the answer never changes, so it is
/// asked once per type.
private enum ValueKind {
    case writable, flattened, scalar, date, json, url, uuid, dictionary, other

    static func of(_ type: Any.Type) -> ValueKind {
        let id = ObjectIdentifier(type)
        if let known = known.withLock({ $0[id] }) { return known }
        let kind: ValueKind =
            if type is any JSONWritable.Type { .writable } else if type is any FlattenedJSON.Type {
                .flattened
            } else if type == Date.self { .date } else if type == JSONValue.self {
                .json
            } else if type == URL.self { .url } else if type == UUID.self { .uuid } else if type is any DictionaryEncoding.Type {
                .dictionary
            } else if type is Bool.Type || type is String.Type || type is Double.Type || type is Float.Type
                || type is any BinaryInteger.Type
            { .scalar } else { .other }
        known.withLock { $0[id] = kind }
        return kind
    }

    private static let known = Mutex<[ObjectIdentifier: ValueKind]>([:])
}

private func scalar<T: Encodable>(_ value: T) throws -> String? {
    guard ValueKind.of(T.self) == .scalar else { return nil }
    switch value {
    case let value as Bool: return value ? "true" : "false"
    case let value as String: return JSONValue.string(value).serialized
    case let value as Double:
        guard value.isFinite else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "non-finite number")) }
        return JSONValue.double(value).serialized
    case let value as Float:
        guard value.isFinite else { throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "non-finite number")) }
        return JSONValue.double(Double(value)).serialized
    case let value as any BinaryInteger: return "\(value)"
    default: return nil
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONNode
    let codingPath: [any CodingKey]
    /// A dictionary's keys are data and stay as they are; a type's property names become snake_case.
    let isDictionary: Bool

    private func name(_ key: Key) -> String {
        isDictionary ? key.stringValue : snakeCased(key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws {
        node.child(forKey: name(key)).setScalar("null")
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if ValueKind.of(T.self) == .flattened {
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath, sortsKeys: false))
            return
        }
        let child = node.child(forKey: name(key))
        if let text = try scalar(value) {
            child.setScalar(text)
        } else {
            try child.store(value, codingPath: codingPath + [key])
        }
    }

    // The common scalars without the generic path's dynamic casts.
    mutating func encode(_ value: String, forKey key: Key) throws {
        var text = ""
        JSONValue.writeString(value, to: &text)
        node.child(forKey: name(key)).setScalar(text)
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws { node.child(forKey: name(key)).setScalar(value ? "true" : "false") }
    mutating func encode(_ value: Int, forKey key: Key) throws { node.child(forKey: name(key)).setScalar(String(value)) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { node.child(forKey: name(key)).setScalar(String(value)) }

    // The API writes an absent value as `null`, never leaves its key out: synthesized `Encodable`
    // conformances call these for optional properties, and the standard ones would skip `nil`.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOrNull(value, key) }

    private mutating func encodeOrNull<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<
        NestedKey
    > {
        let child = node.child(forKey: name(key))
        child.makeObject(sorted: false)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath + [key], isDictionary: false))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = node.child(forKey: name(key))
        child.makeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.child(forKey: "super"), codingPath: codingPath, sortsKeys: false)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.child(forKey: name(key)), codingPath: codingPath + [key], sortsKeys: false)
    }
}

private struct IndexKey: CodingKey {
    var stringValue: String { "\(intValue ?? 0)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws {
        node.appendElement().setScalar("null")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        let element = node.appendElement()
        if let text = try scalar(value) {
            element.setScalar(text)
        } else {
            try element.store(value, codingPath: path)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [IndexKey(count)]
        let element = node.appendElement()
        element.makeObject(sorted: false)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: element, codingPath: path, isDictionary: false))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = codingPath + [IndexKey(count)]
        let element = node.appendElement()
        element.makeArray()
        return UnkeyedContainer(node: element, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.appendElement(), codingPath: codingPath, sortsKeys: false)
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let node: JSONNode
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws {
        node.setScalar("null")
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        if let text = try scalar(value) {
            node.setScalar(text)
        } else {
            try node.store(value, codingPath: codingPath)
        }
    }
}
