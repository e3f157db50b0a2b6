import Testing

@testable import HTTP

@Suite struct HTTPHeadersTests {
    @Test func namesMatchWhateverTheirCaseAndNothingElse() {
        let headers: HTTPHeaders = ["x-api-key": "cmp_1", "CONTENT-TYPE": "text/plain", "X-[": "bracket"]
        #expect(headers["X-API-Key"] == "cmp_1")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["X-API-Kez"] == nil)
        #expect(headers["X-API-Ke"] == nil)
        // '[' and '{' differ only in the bit that folds letters; they are not letters.
        #expect(headers["X-{"] == nil)
        #expect(headers["x-["] == "bracket")
        #expect("Ação".caseInsensitiveEquals("Ação"))
        #expect(!"ação".caseInsensitiveEquals("AÇÃO"))
    }

    @Test func headerValuesLoseOnlySpacesAndTabsAroundThem() {
        #expect(" \tcmp_abc \t".trimmingHeaderWhitespace() == "cmp_abc")
        #expect("cmp a b".trimmingHeaderWhitespace() == "cmp a b")
        #expect(" \t ".trimmingHeaderWhitespace() == "")
        #expect("".trimmingHeaderWhitespace() == "")
        #expect("\u{00A0}cmp\n".trimmingHeaderWhitespace() == "\u{00A0}cmp\n")
        #expect("Bearer  tok ".split(separator: " ", maxSplits: 1)[1].trimmingHeaderWhitespace() == "tok")
    }
}
