import Foundation
import Testing

@testable import HTTP

/// Objects of many members: sorted dictionaries and repeated keys, past the size where keys are indexed.
@Suite struct OrderedJSONEncoderMemberTests {
    private func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try OrderedJSONEncoder().encode(value), as: UTF8.self)
    }

    @Test func dictionariesAreSortedAtAnySize() throws {
        let small = ["b": 2, "a": 1, "c": 3]
        #expect(try text(small) == #"{"a":1,"b":2,"c":3}"#)
        let large = Dictionary(uniqueKeysWithValues: (0..<100).map { (String(format: "k%03d", 99 - $0), $0) })
        let expected = "{" + (0..<100).map { "\"k\(String(format: "%03d", $0))\":\(99 - $0)" }.joined(separator: ",") + "}"
        #expect(try text(large) == expected)
    }

    /// A key encoded twice keeps its first place and takes the last value, however many keys.
    struct Repeating: Encodable {
        var keys: Int
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for index in 0..<keys { try container.encode(index, forKey: Key(stringValue: "k\(index)")) }
            try container.encode("again", forKey: Key(stringValue: "k0"))
            var second = encoder.container(keyedBy: Key.self)
            try second.encode(true, forKey: Key(stringValue: "merged"))
        }
    }

    @Test func aRepeatedKeyIsReplacedInPlace() throws {
        for keys in [3, 40] {
            let expected = "{\"k0\":\"again\"," + (1..<keys).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"merged\":true}"
            #expect(try text(Repeating(keys: keys)) == expected)
        }
    }
}

@Suite struct OrderedJSONEncoderKeyTests {
    private struct View: Encodable {
        var assistantID: String
        var createdByAPIKeyID: String?
        var metadata: [String: Int]
        var nested: Nested
    }

    private struct Nested: Encodable {
        var chunksDone: Int
    }

    @Test func propertyNamesAreSnakeCaseAndDictionaryKeysAreData() throws {
        let view = View(assistantID: "a", createdByAPIKeyID: nil, metadata: ["orderId": 1, "Zeta": 2], nested: Nested(chunksDone: 3))
        let json = String(decoding: try OrderedJSONEncoder().encode(view), as: UTF8.self)
        #expect(json == #"{"assistant_id":"a","created_by_api_key_id":null,"metadata":{"Zeta":2,"orderId":1},"nested":{"chunks_done":3}}"#)
    }

    struct Times: FlattenedJSON {
        var createdAt: Int
        var readyAt: Int?
    }

    struct Source: Encodable {
        var id: String
        var times: Times
        var status: String
    }

    @Test func aFlattenedValueWritesItsPropertiesInPlaceOfItsKey() throws {
        let json = String(
            decoding: try OrderedJSONEncoder().encode([Source(id: "s", times: Times(createdAt: 1, readyAt: nil), status: "ready")]),
            as: UTF8.self)
        #expect(json == #"[{"id":"s","created_at":1,"ready_at":null,"status":"ready"}]"#)
    }
}
