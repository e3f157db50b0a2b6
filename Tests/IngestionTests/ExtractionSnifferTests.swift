import Foundation
import Testing

@testable import Ingestion

@Suite("Extraction: content sniffing")
struct ExtractionSnifferTests {
    @Test(
        "each fixture is detected by its content",
        arguments: [
            ("manual.pdf", ContentKind.pdf, "application/pdf"),
            ("manual-truncated.pdf", .pdf, "application/pdf"),
            ("clientes.csv", .csv, "text/csv"),
            ("latin1.txt", .text, "text/plain"),
            ("customer.json", .json, "application/json"),
            ("deep.json", .json, "application/json"),
            ("ocr-sign.png", .image, "image/png"),
            ("huge-dimensions.png", .image, "image/png"),
            ("text-named.pdf", .text, "text/plain"),
        ])
    func fixture(name: String, kind: ContentKind, mediaType: String) {
        #expect(ContentSniffer.detect(ExtractionFixtures.bytes(name)) == DetectedType(kind: kind, mediaType: mediaType))
    }

    @Test func randomBinaryIsRefused() {
        #expect(ContentSniffer.detect(ExtractionFixtures.bytes("random.bin")) == nil)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let bytes = [0x00] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(ContentSniffer.detect(bytes) == nil)
        }
    }

    @Test func imageSignatures() {
        #expect(ContentSniffer.detect([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10]) == DetectedType(kind: .image, mediaType: "image/jpeg"))
        let webp = Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WEBPVP8X".utf8) + [UInt8](repeating: 0, count: 18)
        #expect(ContentSniffer.detect(webp) == DetectedType(kind: .image, mediaType: "image/webp"))
        #expect(ContentSniffer.detect(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)) == nil)
    }

    @Test(
        "text, CSV and JSON are told apart",
        arguments: [
            ("Hello world.\nThis is prose without delimiters.\n", ContentKind.text),
            ("a,b,c\n1,2,3\n4,5,6\n", .csv),
            ("a\tb\n1\t2\n", .csv),
            ("a|b|c\n1|2|3\n", .csv),
            ("nome;valor\nAna;1,50\nJoão;2,75\n", .csv),
            ("\"quoted, field\",b\n\"multi\nline\",2\n", .csv),
            ("only,one,line\n", .text),
            ("a,b\n1,2,3\n", .text),
            ("{\"a\": [1, 2, {\"b\": null}]}", .json),
            ("  [1, 2, 3]  \n", .json),
            ("\u{FEFF}{\"bom\": true}", .json),
            ("42", .text),
            ("\"just a string\"", .text),
            ("{\"a\": }", .text),
            ("{\"a\": 1} trailing", .text),
            ("", .text),
        ])
    func textual(content: String, kind: ContentKind) {
        #expect(ContentSniffer.detect(Array(content.utf8))?.kind == kind)
    }

    @Test func controlCharactersAreNotText() {
        #expect(ContentSniffer.detect(Array("valid utf-8 but \u{0}\u{1}\u{2} binary".utf8)) == nil)
        #expect(ContentSniffer.detect([0x41, 0x42, 0xE9, 0x00, 0x43]) == nil)  // Latin-1 with NUL
        #expect(ContentSniffer.detect([0x41, 0x81, 0x42]) == nil)  // undefined in Windows-1252
        #expect(ContentSniffer.detect(Array("tabs\tform\u{0C}feeds\r\n".utf8))?.kind == .text)
    }

    @Test func singleByteEncodings() {
        #expect(TextDecoding.detect(ExtractionFixtures.bytes("latin1.txt")[...]) == .latin1)
        let windows: [UInt8] = [0x93] + Array("quoted".utf8) + [0x94, 0x20, 0x80, 0x0A]
        #expect(TextDecoding.detect(windows[...]) == .windows1252)
        #expect(TextDecoding.decode(windows[...]).text == "\u{201C}quoted\u{201D} \u{20AC}\n")
        #expect(ContentSniffer.detect(windows)?.kind == .text)
    }

    @Test func deeplyNestedJSONIsValidatedWithoutRecursion() {
        let depth = 100_000
        let bytes = Array(String(repeating: "[", count: depth).utf8) + Array(String(repeating: "]", count: depth).utf8)
        #expect(ContentSniffer.detect(bytes)?.kind == .json)
        #expect(ContentSniffer.detect(Array(bytes.dropLast()))?.kind == .text)
    }
}
