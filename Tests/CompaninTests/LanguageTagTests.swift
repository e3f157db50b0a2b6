import Testing

@testable import Companin

@Suite struct LanguageTagTests {
    @Test(arguments: [
        ("en", "en"), ("pt-br", "pt-BR"), ("PT-BR", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("sr-latn-rs", "sr-Latn-RS"),
        ("es-419", "es-419"), ("de-CH-1901", "de-CH-1901"), ("en-US-x-twain", "en-US-x-twain"), ("x-whatever", "x-whatever"),
        ("zh-yue-HK", "zh-yue-HK"), ("en-a-bbb-x-a-ccc", "en-a-bbb-x-a-ccc"), ("sl-rozaj-biske", "sl-rozaj-biske"),
    ])
    func wellFormedTagsAreCanonicalized(input: String, expected: String) {
        #expect(LanguageTag.canonical(input) == expected)
    }

    @Test(arguments: [
        "", "e", "englishlanguage", "en_US", "en-", "-en", "en--US", "pt-BR-", "123", "en-US-US-US",
        "de-1901-1901", "en-a-x", "en-a-bbb-a-ccc", "x", "x-", "en-x-toolongprivate", "é", "en US",
        String(repeating: "a", count: 40),
    ])
    func malformedTagsAreRefused(input: String) {
        #expect(LanguageTag.canonical(input) == nil)
    }
}
