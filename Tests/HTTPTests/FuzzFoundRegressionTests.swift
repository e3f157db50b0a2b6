// Cases that contract fuzzing found, kept so they stay fixed, and the limits set around them.
import Foundation
import Testing
@testable import HTTP

@Suite struct MultipartRegressionTests {
    /// Found by contract fuzzing: a part with no headers, only bytes, used to crash the parser.
    @Test func aPartWithoutHeadersIsABadRequestNotACrash() {
        let body = Data("--a70d\r\n".utf8) + Data([0xF2, 0xBD, 0x9C, 0x9D, 0xC2, 0x95]) + Data("--a70d--\r\n".utf8)
        let request = Request(method: .post, path: "/", headers: ["Content-Type": "multipart/form-data; boundary=a70d"], body: body)
        #expect(throws: HTTPError.self) { try request.formParts() }
    }
}

@Suite struct MultipartHeaderNameTests {
    @Test func nonASCIIHeaderNamesAreRefusedButUTF8ValuesAreNot() {
        let boundary = Array("b".utf8)
        let good = Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"açaí.txt\"\r\n\r\nhello\r\n--b--\r\n".utf8)
        #expect(Request.partHeaderNamesAreASCII(good, boundary: boundary))
        let bad = Array("--b\r\nCõntent-Disposition: form-data; name=\"file\"\r\n\r\nhello\r\n--b--\r\n".utf8)
        #expect(!Request.partHeaderNamesAreASCII(bad, boundary: boundary))
        // Bytes of the part's body may be anything.
        let binary = Array("--b\r\nContent-Type: image/png\r\n\r\n".utf8) + [0xFF, 0xFE, 0x3A, 0x80] + Array("\r\n--b--\r\n".utf8)
        #expect(Request.partHeaderNamesAreASCII(binary, boundary: boundary))
    }
}

@Suite struct FuzzFoundLimitsTests {
    @Test func stringLimitsCountCodePoints() throws {
        // 3 grapheme clusters, 9 code points: a VARCHAR(5) could not hold it.
        let zalgo = "a\u{0301}\u{0302}b\u{0303}\u{0304}c\u{0305}\u{0306}"
        var reader = FieldReader(["reason": .string(zalgo)], location: [.key("body")])
        #expect(reader.string("reason", maxLength: 5) == nil)
        #expect(reader.errors.map(\.type) == ["string_too_long"])
        #expect(zalgo.prefix(codePoints: 5).unicodeScalars.count == 5 && "abc".prefix(codePoints: 5) == "abc")
    }

    @Test func queryTimestampsStayWithinTheDatabasesRange() {
        func read(_ value: String) -> (Date?, [String]) {
            var query = QueryReader(Request(method: .get, path: "/", query: "from=\(value)"))
            return (query.timestamp("from"), query.errors.map(\.type))
        }
        #expect(read("9999-12-31T23:59:59Z").0 != nil)
        #expect(read("0499-10-31T08:38:38Z").1 == ["datetime_range"])
        #expect(read("yesterday").1 == ["datetime_parsing"])
    }
}

@Suite struct FreeFormLimitsTests {
    @Test func objectsAreLimitedInKeys() {
        var members: [String: JSONValue] = [:]
        for index in 0...FieldReader.maximumObjectKeys { members["k\(index)"] = .int(Int64(index)) }
        var reader = FieldReader(["metadata": .object(members)], location: [.key("body")])
        #expect(reader.object("metadata", maxBytes: 1 << 20) == nil)
        #expect(reader.errors.map(\.msg) == ["Dictionary should have at most 100 keys, not 101"])
    }

    @Test func formsAreLimitedInParts() {
        let parts = (0...Request.maximumFormParts).map { "--b\r\nContent-Disposition: form-data; name=\"f\($0)\"\r\n\r\nx\r\n" }.joined()
        let request = Request(method: .post, path: "/", headers: ["Content-Type": "multipart/form-data; boundary=b"],
                              body: Data((parts + "--b--\r\n").utf8))
        #expect(throws: HTTPError(.badRequest, detail: "Multipart body with more than 16 parts")) { try request.formParts() }
    }
}
