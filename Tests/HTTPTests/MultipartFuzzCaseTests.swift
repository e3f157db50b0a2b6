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
