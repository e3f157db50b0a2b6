import Foundation
import Testing

@testable import HTTP

@Suite struct JSONParserTests {
    private func parse(_ text: String) -> JSONValue? { try? JSONValue.parse(Data(text.utf8)) }

    /// What Foundation's JSONDecoder made of these texts when it parsed request bodies.
    @Test func acceptsWhatTheDecoderAcceptedAndReadsNumbersTheSameWay() {
        let cases: [(String, JSONValue?)] = [
            ("1.0", .int(1)), ("1e2", .int(100)), ("1.5", .double(1.5)), ("-0", .int(0)), ("-0.0", .int(0)), ("0.1e1", .int(1)),
            ("2.5E+3", .int(2500)), ("1e-400", .int(0)), ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("9223372036854775808", .double(9.223372036854775808e18)), ("100000000000000000000000", .double(1e23)),
            ("0.30000000000000004", .double(0.30000000000000004)), ("1E400", nil), ("01", nil), ("1.", nil), (".5", nil),
            ("+1", nil), ("-", nil), ("NaN", nil), ("Infinity", nil),
            (#"{"a":1,"a":2}"#, .object(["a": .int(1)])), ("[1,]", .array([.int(1)])), (#"{"a":1,}"#, .object(["a": .int(1)])),
            ("[,]", nil), ("[1,,2]", nil), ("{,}", nil), (#"{"a"}"#, nil), (#"{"a":}"#, nil), (#"{a:1}"#, nil),
            (#""\ud83d\ude00""#, .string("😀")), (#""\ud800""#, nil), (#""\udc00""#, nil), (#""\ud800\u0041""#, nil),
            (#""\u00e9\/\b\f\n\r\t\"\\""#, .string("é/\u{08}\u{0C}\n\r\t\"\\")), (#""\u0000""#, .string("\u{0}")),
            (#""\x""#, nil), (#""\U0041""#, nil), (#""\u12""#, nil), ("\"a\u{01}b\"", nil), ("\"unterminated", nil),
            (" 1 ", .int(1)), ("\t\n\r[1]", .array([.int(1)])), ("\u{FEFF}1", .int(1)), ("", nil), (" ", nil),
            ("tru", nil), ("true x", nil), ("nul", nil), ("[true,false,null]", .array([.bool(true), .bool(false), .null])),
            ("[]", .array([])), ("{}", .object([:])), (#""é""#, .string("é")), ("[1 2]", nil), ("{\"a\" 1}", nil),
        ]
        for (text, expected) in cases {
            #expect(parse(text) == expected, "\(text.debugDescription)")
        }
    }

    @Test func refusesInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x5B, 0x31, 0xC0]] {
            #expect(throws: JSONParseError.malformed) { try JSONValue.parse(Data(bytes)) }
        }
    }

    @Test func nestingBeyondTheLimitIsTooDeepWithoutReadingOn() {
        let limit = JSONValue.maximumDepth
        #expect(parse(String(repeating: "[", count: limit) + String(repeating: "]", count: limit))?.depth == limit)
        for depth in [limit + 1, 100_000] {
            #expect(throws: JSONParseError.tooDeep) {
                try JSONValue.parse(Data((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8))
            }
        }
        #expect(throws: JSONParseError.tooDeep) { try JSONValue.parse(Data((String(repeating: "{\"a\":", count: 40) + "1").utf8)) }
    }

    /// Texts derived from valid documents by cutting, duplicating and replacing bytes: the parser
    /// and Foundation's decoder (through JSONValue's Codable conformance) agree on every one.
    @Test func agreesWithTheDecoderOnMutatedDocuments() throws {
        let seeds = [
            #"{"name": "Shop", "tags": ["a", "b\n", "\u00e9"], "n": -12.5e-3, "ok": true, "none": null, "deep": {"x": [1, [2, {"y": 3}]]}}"#,
            #"[0, -0, 1e5, 123456789012, 3.25, "\ud83d\ude00", "a\"b", {}, []]"#,
            #"{"metadata": {"team": "care", "score": 4.75, "list": [true, false]}, "description": "Olá, São Paulo"}"#,
        ]
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \ntrufalsn"ué\"#.utf8)
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        for seed in seeds {
            let original = Array(seed.utf8)
            for _ in 0..<3_000 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<4, using: &generator) {
                    case 0: bytes.remove(at: index)
                    case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: index)
                    case 2: bytes[index] = alphabet.randomElement(using: &generator)!
                    default: bytes = Array(bytes[..<index])
                    }
                    if bytes.isEmpty { bytes = [0x30] }
                }
                let reference = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
                let parsed = try? JSONValue.parse(Data(bytes))
                #expect(parsed == reference, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
                checked += 1
            }
        }
        #expect(checked == 9_000)
    }

    /// JSON columns decode through `JSONValue`'s `Decodable` conformance: it must read every kind
    /// of value as the parser does, whatever order it tries them in.
    @Test func decodableReadsEveryKindAsTheParserDoes() throws {
        let text = #"{"s":"x","t":true,"f":false,"i":1,"n":-7,"d":1.5,"z":null,"a":[1,"b",false,null,{"c":[]}],"o":{"p":{}},"e":""}"#
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(decoded == parse(text))
        #expect(decoded.objectValue?["t"] == .bool(true))
        #expect(decoded.objectValue?["i"] == .int(1))
        #expect(decoded.objectValue?["d"] == .double(1.5))
    }
}
