import Foundation

/// Reads JSON text into a `JSONValue` in one pass over its UTF-8 bytes. It accepts what Foundation's
/// `JSONDecoder` accepted when it did this job (and what clients may rely on): a leading byte-order
/// mark, a trailing comma in an array or object, the first of duplicate keys; a number is an `int`
/// when its value is a whole number within Int64 (`1.0`, `1e2`), else a `double`. It refuses
/// invalid UTF-8, unescaped control characters, lone surrogates, numbers out of Double's range, and
/// (before reading further) nesting deeper than `maximumDepth`.
struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private let maximumDepth: Int

    init(_ bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        let value = try self.value(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw .malformed }
        return value
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard let byte = current else { throw .malformed }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal(Self.trueLiteral)
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal(Self.falseLiteral)
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal(Self.nullLiteral)
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw .malformed
        }
    }

    private static let trueLiteral = Array("true".utf8), falseLiteral = Array("false".utf8), nullLiteral = Array("null".utf8)

    private mutating func literal(_ word: [UInt8]) throws(JSONParseError) {
        guard bytes[position...].starts(with: word) else { throw .malformed }
        position += word.count
    }

    private mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
                if current == UInt8(ascii: "]") {
                    position += 1
                    return .array(items)
                }
            case UInt8(ascii: "]"):
                position += 1
                return .array(items)
            default:
                throw .malformed
            }
        }
    }

    private mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maximumDepth else { throw .tooDeep }
        position += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw .malformed }
            let key = try string()
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw .malformed }
            position += 1
            let member = try value(depth: depth)
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                position += 1
                skipWhitespace()
                if current == UInt8(ascii: "}") {
                    position += 1
                    return .object(members)
                }
            case UInt8(ascii: "}"):
                position += 1
                return .object(members)
            default:
                throw .malformed
            }
        }
    }

    private mutating func string() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // The common case, no escapes: the bytes between the quotes, validated as UTF-8 once.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw .malformed }
            position += 1
        }
        guard let stop = current, let plain = String(validating: bytes[start..<position], as: UTF8.self) else { throw .malformed }
        if stop == UInt8(ascii: "\"") {
            position += 1
            return plain
        }
        var scalars = plain.unicodeScalars
        while true {
            guard let byte = current else { throw .malformed }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                position += 1
                scalars.append(try escape())
            default:
                let run = position
                while let next = current, next != UInt8(ascii: "\""), next != UInt8(ascii: "\\") {
                    guard next >= 0x20 else { throw .malformed }
                    position += 1
                }
                guard let text = String(validating: bytes[run..<position], as: UTF8.self) else { throw .malformed }
                scalars.append(contentsOf: text.unicodeScalars)
            }
        }
    }

    private mutating func escape() throws(JSONParseError) -> Unicode.Scalar {
        guard let byte = current else { throw .malformed }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hexQuad()
            switch unit {
            case 0xD800...0xDBFF:
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
                    throw .malformed
                }
                position += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                else { throw .malformed }
                return scalar
            case 0xDC00...0xDFFF:
                throw .malformed
            default:
                guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw .malformed }
                return scalar
            }
        default:
            throw .malformed
        }
    }

    private mutating func hexQuad() throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw .malformed }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .malformed
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }

    /// RFC 8259's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw .malformed }
        position += 1
        if first != UInt8(ascii: "0") { while let byte = current, isDigit(byte) { position += 1 } }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            position += 1
            guard let byte = current, isDigit(byte) else { throw .malformed }
            while let byte = current, isDigit(byte) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let byte = current, isDigit(byte) else { throw .malformed }
            while let byte = current, isDigit(byte) { position += 1 }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if integral, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw .malformed }
        // A whole number within Int64 is an int however it was written (1.0, 1e2, -0.0).
        if value == value.rounded(), value >= -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 {
            return .int(Int64(value))
        }
        return .double(value)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
