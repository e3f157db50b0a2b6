import Foundation

/// A type that writes its own JSON: byte for byte what `OrderedJSONEncoder` writes from its
/// `Encodable` conformance (which stays the reference, and is what a test compares it with), but
/// straight into the output instead of through the encoder's tree of nodes and `Codable`'s
/// generic containers. For the hot response types, whose lists are most of a list's time.
public protocol JSONWritable: Encodable {
    func write(to json: inout JSONWriter)
}

/// Compact JSON written in order, as `OrderedJSONEncoder` writes it: keys as given, strings
/// escaped alike, dates as ISO 8601 UTC timestamps, UUIDs lowercased, `JSONValue`s with sorted keys.
public struct JSONWriter {
    public private(set) var text = ""
    private var needsComma = false

    public init() {}

    private mutating func separate() {
        if needsComma { text += "," }
    }

    public mutating func beginObject() {
        separate()
        text += "{"
        needsComma = false
    }

    public mutating func endObject() {
        text += "}"
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        text += "["
        needsComma = false
    }

    public mutating func endArray() {
        text += "]"
        needsComma = true
    }

    public mutating func key(_ name: String) {
        separate()
        JSONValue.writeString(name, to: &text)
        text += ":"
        needsComma = false
    }

    public mutating func value(_ value: String) {
        separate()
        JSONValue.writeString(value, to: &text)
        needsComma = true
    }

    public mutating func value(_ value: Int) {
        separate()
        text += String(value)
        needsComma = true
    }

    public mutating func value(_ value: Bool) {
        separate()
        text += value ? "true" : "false"
        needsComma = true
    }

    public mutating func value(_ value: Date) { self.value(Timestamp.format(value)) }

    public mutating func value(_ value: UUID) { self.value(value.uuidString.lowercased()) }

    public mutating func value(_ value: JSONValue) {
        separate()
        value.write(to: &text)
        needsComma = true
    }

    public mutating func field(_ name: String, _ value: String) {
        key(name)
        self.value(value)
    }

    public mutating func field(_ name: String, _ value: Int) {
        key(name)
        self.value(value)
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        self.value(value)
    }

    public mutating func field(_ name: String, _ value: Date) {
        key(name)
        self.value(value)
    }

    public mutating func field(_ name: String, _ value: UUID) {
        key(name)
        self.value(value)
    }

    /// A dictionary, keys sorted, as the encoder writes dictionaries.
    public mutating func field(_ name: String, _ value: [String: JSONValue]) {
        key(name)
        self.value(.object(value))
    }
}
