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

@Suite struct MultipartParserTests {
    func parts(_ body: String, boundary: String = "b") throws -> [FormPart] {
        try parts(Array(body.utf8), boundary: boundary)
    }

    func parts(_ body: [UInt8], boundary: String = "b") throws -> [FormPart] {
        try Request(
            method: .post, path: "/", headers: ["Content-Type": "multipart/form-data; boundary=\"\(boundary)\""],
            body: Data(body)
        ).formParts()
    }

    @Test func readsFieldsAndFilesWithPreambleAndEpilogue() throws {
        let body =
            "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nManual\r\n"
            + "--b \t\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a;b \\\"c\\\".txt\"\r\nContent-Type: text/plain\r\n\r\n"
            + "line one\r\n--bX is content\r\n\r\n--b--\r\nepilogue --b\r\n"
        let parsed = try parts(body)
        #expect(parsed.map(\.name) == ["title", "file"])
        #expect(parsed[0].text == "Manual" && parsed[0].filename == nil && parsed[0].contentType == nil)
        #expect(parsed[1].filename == "a;b \"c\".txt" && parsed[1].contentType == "text/plain")
        #expect(parsed[1].text == "line one\r\n--bX is content\r\n")
    }

    @Test func bodiesMayHoldAnyBytes() throws {
        let body =
            Array("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"açaí.png\"\r\n\r\n".utf8)
            + [0xFF, 0xFE, 0x3A, 0x80, 0x0D, 0x0A, 0x2D] + Array("\r\n--b--".utf8)
        let parsed = try parts(body)
        #expect(parsed.first?.body == [0xFF, 0xFE, 0x3A, 0x80, 0x0D, 0x0A, 0x2D])
        #expect(parsed.first?.filename == "açaí.png")
    }

    @Test func brokenFramingIsABadRequest() {
        let malformed = HTTPError(.badRequest, detail: "Malformed multipart body")
        let header = "Content-Disposition: form-data; name=\"f\"\r\n"
        #expect(throws: malformed) { try parts("no delimiter at all") }
        #expect(throws: malformed) { try parts("--b--\r\n") }
        #expect(throws: malformed) { try parts("--b\r\n\(header)\r\nnever closed") }
        #expect(throws: malformed) { try parts("--b\n\(header)\nbare line feeds\n--b--") }
        #expect(throws: malformed) { try parts("--b\r\nCõntent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--b--") }
        #expect(throws: malformed) { try parts("--b\r\nno colon\r\n\r\nx\r\n--b--") }
        #expect(throws: malformed) { try parts("--b\r\nX-Long: \(String(repeating: "v", count: 9000))\r\n\r\nx\r\n--b--") }
        #expect(throws: HTTPError(.badRequest, detail: "Multipart part without a name")) {
            try parts("--b\r\n\r\nno headers\r\n--b--")
        }
        #expect(throws: HTTPError(.badRequest, detail: "Multipart part without a name")) {
            try parts("--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--")
        }
        #expect(throws: HTTPError(.badRequest, detail: "Multipart boundary longer than 70 characters")) {
            try parts("--x\r\n", boundary: String(repeating: "x", count: 71))
        }
    }

    /// Found by libFuzzer: a line ending in a bare LF before the blank line let MultipartKit read the
    /// next line as a header name, and a byte above 0x7F in it trapped (`scripts/fuzz multipart`).
    @Test func aHeaderNameAfterABareLineFeedIsNotACrash() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../Fuzz/Corpus/multipart/regression-bare-lf-header-name")
        let input = try [UInt8](Data(contentsOf: corpus))
        let newline = try #require(input.firstIndex(of: 0x0A))
        #expect(throws: HTTPError.self) {
            try parts(Array(input[(newline + 1)...]), boundary: String(decoding: input[..<newline], as: UTF8.self))
        }
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
        let request = Request(
            method: .post, path: "/", headers: ["Content-Type": "multipart/form-data; boundary=b"],
            body: Data((parts + "--b--\r\n").utf8))
        #expect(throws: HTTPError(.badRequest, detail: "Multipart body with more than 16 parts")) { try request.formParts() }
    }
}
