/// JSON as extraction needs it: an iterative validator for sniffing (any depth, no tree built), a
/// depth-limited parser that keeps key order and numbers as written, and flattening to `path: value` lines.
enum JSONDocument {
    indirect enum Value: Equatable {
        case object([Member])
        case array([Value])
        case string(String)
        /// The number as written in the document: `19.90` stays `19.90`, big integers stay exact.
        case number(String)
        case bool(Bool)
        case null
    }

    struct Member: Equatable {
        var key: String
        var value: Value
    }

    enum Failure: Error, Equatable {
        /// Not JSON; `offset` is the byte where parsing stopped.
        case invalid(offset: Int)
        /// Containers nest deeper than the limit.
        case tooDeep
    }

    /// Whether `bytes` are one JSON document whose top level is an object or an array.
    static func isContainerDocument(_ bytes: ArraySlice<UInt8>) -> Bool {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        guard reader.peek == UInt8(ascii: "{") || reader.peek == UInt8(ascii: "[") else { return false }
        return (try? reader.validate()) != nil
    }

    /// Parses one document; containers nested deeper than `maxDepth` fail with `.tooDeep`.
    static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int) throws(Failure) -> Value {
        var reader = Reader(bytes: bytes)
        let value = try reader.parseValue(depth: 0, maxDepth: maxDepth)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.invalid }
        return value
    }

    /// One line per scalar: `customer.orders[0].id: 42`; empty containers below the top as `{}`/`[]`.
    /// Keys that are not plain words are quoted: `customer["address book"].home: …`.
    static func flatten(_ value: Value) -> [String] {
        var lines: [String] = []
        func visit(_ value: Value, _ path: String) {
            switch value {
            case .object(let members):
                if members.isEmpty && !path.isEmpty { lines.append("\(path): {}") }
                for member in members {
                    visit(member.value, path + segment(for: member.key, first: path.isEmpty))
                }
            case .array(let elements):
                if elements.isEmpty && !path.isEmpty { lines.append("\(path): []") }
                for (index, element) in elements.enumerated() {
                    visit(element, path + "[\(index)]")
                }
            case .string(let text):
                lines.append(line(path, text.isEmpty ? "\"\"" : singleLine(text)))
            case .number(let literal): lines.append(line(path, literal))
            case .bool(let flag): lines.append(line(path, flag ? "true" : "false"))
            case .null: lines.append(line(path, "null"))
            }
        }
        visit(value, "")
        return lines
    }

    /// A top-level `title` (else `name`) string, compared without case.
    static func title(of value: Value) -> String? {
        guard case .object(let members) = value else { return nil }
        for wanted in ["title", "name"] {
            for member in members where member.key.lowercased() == wanted {
                if case .string(let text) = member.value, !singleLine(text).isEmpty { return singleLine(text) }
            }
        }
        return nil
    }

    private static func line(_ path: String, _ value: String) -> String {
        path.isEmpty ? value : "\(path): \(value)"
    }

    private static func segment(for key: String, first: Bool) -> String {
        let plain =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy {
                $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
            }
        if plain { return first ? key : ".\(key)" }
        var quoted = "[\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case _ where scalar.value < 0x20: quoted += " "
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\"]"
    }

    /// Line breaks and tabs inside a value become spaces, so each value stays on its line.
    private static func singleLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var lastWasBreak = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || scalar == "\t" {
                if !lastWasBreak { result.append(" ") }
                lastWasBreak = true
            } else {
                result.append(scalar)
                lastWasBreak = false
            }
        }
        return String(result)
    }
}

extension JSONDocument {
    /// A cursor over the document's bytes.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = TextDecoding.withoutBOM(bytes)
            self.index = self.bytes.startIndex
        }

        var atEnd: Bool { index >= bytes.endIndex }
        var peek: UInt8? { atEnd ? nil : bytes[index] }
        var invalid: Failure { .invalid(offset: index - bytes.startIndex) }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard peek == byte else { throw invalid }
            index += 1
        }

        // MARK: Validation, iterative

        private enum Expectation { case value, valueOrClose, key, keyOrClose, colon, commaOrClose }

        /// Validates one document with an explicit stack, so hostile nesting cannot exhaust the call stack.
        mutating func validate() throws(Failure) {
            var open: [UInt8] = []
            var expectation = Expectation.value
            while true {
                skipWhitespace()
                guard let byte = peek else { throw invalid }
                switch expectation {
                case .value, .valueOrClose:
                    if expectation == .valueOrClose && byte == UInt8(ascii: "]") {
                        index += 1
                        open.removeLast()
                    } else if byte == UInt8(ascii: "{") {
                        index += 1
                        open.append(byte)
                        expectation = .keyOrClose
                        continue
                    } else if byte == UInt8(ascii: "[") {
                        index += 1
                        open.append(byte)
                        expectation = .valueOrClose
                        continue
                    } else {
                        try skipScalar()
                    }
                case .key, .keyOrClose:
                    if expectation == .keyOrClose && byte == UInt8(ascii: "}") {
                        index += 1
                        open.removeLast()
                    } else {
                        _ = try scanString(keeping: false)
                        expectation = .colon
                        continue
                    }
                case .colon:
                    try expect(UInt8(ascii: ":"))
                    expectation = .value
                    continue
                case .commaOrClose:
                    index += 1
                    if byte == UInt8(ascii: ",") {
                        expectation = open.last == UInt8(ascii: "{") ? .key : .value
                        continue
                    }
                    guard
                        (byte == UInt8(ascii: "}") && open.last == UInt8(ascii: "{"))
                            || (byte == UInt8(ascii: "]") && open.last == UInt8(ascii: "["))
                    else {
                        index -= 1
                        throw invalid
                    }
                    open.removeLast()
                }
                // A value just ended.
                if open.isEmpty {
                    skipWhitespace()
                    guard atEnd else { throw invalid }
                    return
                }
                expectation = .commaOrClose
            }
        }

        private mutating func skipScalar() throws(Failure) {
            switch peek {
            case UInt8(ascii: "\""): _ = try scanString(keeping: false)
            case UInt8(ascii: "t"): try scanLiteral("true")
            case UInt8(ascii: "f"): try scanLiteral("false")
            case UInt8(ascii: "n"): try scanLiteral("null")
            default: _ = try scanNumber()
            }
        }

        // MARK: Parsing, recursive and depth-limited

        mutating func parseValue(depth: Int, maxDepth: Int) throws(Failure) -> Value {
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "{"):
                guard depth < maxDepth else { throw .tooDeep }
                index += 1
                var members: [Member] = []
                skipWhitespace()
                if peek == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                while true {
                    skipWhitespace()
                    let key = try scanString(keeping: true)
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    members.append(Member(key: key, value: try parseValue(depth: depth + 1, maxDepth: maxDepth)))
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "}"))
                    return .object(members)
                }
            case UInt8(ascii: "["):
                guard depth < maxDepth else { throw .tooDeep }
                index += 1
                var elements: [Value] = []
                skipWhitespace()
                if peek == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
                while true {
                    elements.append(try parseValue(depth: depth + 1, maxDepth: maxDepth))
                    skipWhitespace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "]"))
                    return .array(elements)
                }
            case UInt8(ascii: "\""): return .string(try scanString(keeping: true))
            case UInt8(ascii: "t"):
                try scanLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try scanLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try scanLiteral("null")
                return .null
            default: return .number(try scanNumber())
            }
        }

        // MARK: Tokens

        mutating func scanLiteral(_ word: StaticString) throws(Failure) {
            let length = word.utf8CodeUnitCount
            guard bytes.endIndex - index >= length else { throw invalid }
            let matches = word.withUTF8Buffer { literal in
                literal.indices.allSatisfy { literal[$0] == bytes[index + $0] }
            }
            guard matches else { throw invalid }
            index += length
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as written.
        mutating func scanNumber() throws(Failure) -> String {
            let start = index
            func digits(_ reader: inout Reader) -> Int {
                var count = 0
                while let byte = reader.peek, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    reader.index += 1
                    count += 1
                }
                return count
            }
            if peek == UInt8(ascii: "-") { index += 1 }
            if peek == UInt8(ascii: "0") {
                index += 1
            } else if digits(&self) == 0 {
                throw invalid
            }
            if peek == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw invalid }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard digits(&self) > 0 else { throw invalid }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A string token; when `keeping` is false it is only validated and "" is returned.
        mutating func scanString(keeping: Bool) throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var utf8: [UInt8] = []
            var pendingHighSurrogate: UInt32?
            func append(_ scalar: Unicode.Scalar, to utf8: inout [UInt8]) {
                utf8.append(contentsOf: String(scalar).utf8)
            }
            while true {
                guard let byte = peek else { throw invalid }
                index += 1
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 {
                    index -= 1
                    throw invalid
                }
                if byte != UInt8(ascii: "\\") {
                    if pendingHighSurrogate != nil && keeping { append("\u{FFFD}", to: &utf8) }
                    pendingHighSurrogate = nil
                    if keeping { utf8.append(byte) }
                    continue
                }
                guard let escaped = peek else { throw invalid }
                index += 1
                var decoded: UInt8?
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = escaped
                case UInt8(ascii: "b"): decoded = 0x08
                case UInt8(ascii: "f"): decoded = 0x0C
                case UInt8(ascii: "n"): decoded = 0x0A
                case UInt8(ascii: "r"): decoded = 0x0D
                case UInt8(ascii: "t"): decoded = 0x09
                case UInt8(ascii: "u"):
                    let unit = try hex4()
                    guard keeping else { continue }
                    if (0xD800...0xDBFF).contains(unit) {
                        if pendingHighSurrogate != nil { append("\u{FFFD}", to: &utf8) }
                        pendingHighSurrogate = unit
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        if let high = pendingHighSurrogate,
                            let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00))
                        {
                            append(scalar, to: &utf8)
                        } else {
                            append("\u{FFFD}", to: &utf8)
                        }
                        pendingHighSurrogate = nil
                    } else {
                        if pendingHighSurrogate != nil { append("\u{FFFD}", to: &utf8) }
                        pendingHighSurrogate = nil
                        append(Unicode.Scalar(unit) ?? "\u{FFFD}", to: &utf8)
                    }
                    continue
                default:
                    index -= 1
                    throw invalid
                }
                if keeping, let decoded {
                    if pendingHighSurrogate != nil { append("\u{FFFD}", to: &utf8) }
                    pendingHighSurrogate = nil
                    utf8.append(decoded)
                }
            }
            if pendingHighSurrogate != nil && keeping { append("\u{FFFD}", to: &utf8) }
            return keeping ? String(decoding: utf8, as: UTF8.self) : ""
        }

        private mutating func hex4() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let byte = peek else { throw invalid }
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw invalid
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
