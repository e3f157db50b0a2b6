import Foundation
import Testing

@testable import Ingestion

/// Extractors called in-process (no resource limits applied to the test process).
@Suite("Extraction: extractors in-process")
struct ExtractionExtractorsTests {
    let limits = ExtractionLimits()

    func run(_ kind: ContentKind, fixture: String) -> Result<Extraction, ExtractionError> {
        Extractors.run(kind: kind, path: ExtractionFixtures.path(fixture), limits: limits)
    }

    func run(_ kind: ContentKind, bytes: [UInt8], limits: ExtractionLimits = ExtractionLimits()) -> Result<Extraction, ExtractionError> {
        let path = ExtractionFixtures.temporaryFile(bytes)
        defer { ExtractionFixtures.remove(path) }
        return Extractors.run(kind: kind, path: path, limits: limits)
    }

    @Test func csvRowsBecomeColumnValueLines() throws {
        let extraction = try run(.csv, fixture: "clientes.csv").get()
        #expect(extraction.attributes["delimiter"] == ";")
        #expect(extraction.attributes["header"] == "true")
        #expect(extraction.attributes["columns"] == "4")
        #expect(extraction.attributes["rows"] == "3")
        #expect(extraction.attributes["encoding"] == "utf-8")
        let rows = extraction.text.components(separatedBy: "\n\n")
        #expect(rows.count == 3)
        #expect(
            rows[0] == """
                nome: Ana Conceição
                cidade: São Paulo
                observação: Prefere atendimento à tarde
                saldo: 1.250,50
                """)
        #expect(rows[1].contains("observação: Cliente desde 2019; pagamento em dia"))
        #expect(rows[2].hasPrefix("nome: Inês Araújo\ncidade: Coimbra"))
    }

    @Test func csvWithoutHeaderNamesColumnsByPosition() throws {
        let extraction = try run(.csv, bytes: Array("1\t2\t\n3\t4\t5\n".utf8)).get()
        #expect(extraction.attributes["header"] == "false")
        #expect(extraction.attributes["delimiter"] == "\t")
        #expect(extraction.text == "column_1: 1\ncolumn_2: 2\n\ncolumn_1: 3\ncolumn_2: 4\ncolumn_3: 5")
    }

    @Test func csvInLatin1() throws {
        let bytes: [UInt8] = Array("cidade,pa".utf8) + [0xED] + Array("s\nS".utf8) + [0xE3] + Array("o Paulo,Brasil\r\n".utf8)
        let extraction = try run(.csv, bytes: bytes).get()
        #expect(extraction.attributes["encoding"] == "latin-1")
        #expect(extraction.text == "cidade: São Paulo\npaís: Brasil")
    }

    @Test func headerDetection() {
        #expect(DelimitedText.hasHeader([["name", "age"], ["Ana", "31"]]))
        #expect(!DelimitedText.hasHeader([["1", "2"], ["3", "4"]]))
        #expect(!DelimitedText.hasHeader([["a", "a"], ["x", "y"]]))  // not unique
        #expect(!DelimitedText.hasHeader([["a", ""], ["x", "y"]]))  // empty name
        #expect(!DelimitedText.hasHeader([["Ana", "Lisboa"], ["Ana", "Porto"]]))  // repeats as data
        #expect(!DelimitedText.hasHeader([["2026-11-24", "x"], ["2026-11-25", "y"]]))
    }

    @Test func jsonIsFlattenedToPaths() throws {
        let extraction = try run(.json, fixture: "customer.json").get()
        #expect(
            extraction.text.components(separatedBy: "\n") == [
                "title: Cliente exemplar",
                "customer.name: Ana Conceição",
                "customer.vip: true",
                "customer.notes: null",
                "customer.orders[0].id: 42",
                "customer.orders[0].total: 19.90",
                "customer.orders[0].items[0]: café",
                "customer.orders[0].items[1]: pão de queijo",
                "customer.orders[1].id: 43",
                "customer.orders[1].total: 7.5e1",
                "customer.orders[1].items: []",
                "customer[\"address book\"].home: Rua Augusta 1, Lisboa",
            ])
        #expect(extraction.title == "Cliente exemplar")
        #expect(extraction.attributes["fields"] == "12")
    }

    @Test func jsonEscapesAndTopLevelArrays() throws {
        let json = #"[{"id": 1, "text": "line\nbreak \u00e9 \ud83d\ude00 \"q\""}, "x\/y"]"#
        let extraction = try run(.json, bytes: Array(json.utf8)).get()
        #expect(extraction.text == "[0].id: 1\n[0].text: line break é 😀 \"q\"\n[1]: x/y")
    }

    @Test func deepJSONIsRefused() {
        #expect(run(.json, fixture: "deep.json").failureCode == "too_deep")
        let sixtyFour = String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)
        #expect(run(.json, bytes: Array(sixtyFour.utf8)).failureCode == nil)
        let sixtyFive = "[" + sixtyFour + "]"
        #expect(run(.json, bytes: Array(sixtyFive.utf8)).failureCode == "too_deep")
    }

    @Test func invalidJSON() {
        let result = run(.json, bytes: Array(#"{"a": [1, 2}"#.utf8))
        #expect(result.failureCode == "invalid_json")
        #expect(result.failureMessage?.contains("byte 11") == true)
    }

    @Test func latin1TextIsDecoded() throws {
        let extraction = try run(.text, fixture: "latin1.txt").get()
        #expect(extraction.attributes["encoding"] == "latin-1")
        #expect(extraction.text.hasPrefix("Política de privacidade\n\nOs dados pessoais são tratados"))
        #expect(extraction.text.contains("período mínimo"))
        #expect(extraction.title == "Política de privacidade")
    }

    @Test func textNormalizesLineEndingsAndDropsControls() throws {
        let extraction = try run(.text, bytes: Array("\u{FEFF}# Título\r\nlinha\u{7}\rfim.\n".utf8)).get()
        #expect(extraction.text == "# Título\nlinha\nfim.\n")
        #expect(extraction.title == "Título")
        #expect(extraction.attributes["encoding"] == "utf-8")
    }

    @Test(
        "empty content fails with no_text",
        arguments: [
            (ContentKind.text, ""), (.text, " \n\t\n"), (.csv, "\n\n"), (.json, "{}"), (.json, "[]"),
        ])
    func emptyContent(kind: ContentKind, content: String) {
        let result = run(kind, bytes: Array(content.utf8))
        #expect(result.failureCode == "no_text")
        #expect(result.failureMessage?.isEmpty == false)
    }

    @Test func missingFileIsUnreadable() {
        for kind in ContentKind.allCases {
            #expect(Extractors.run(kind: kind, path: "/nonexistent/\(UUID())", limits: limits).failureCode == "unreadable")
        }
    }

    @Test func longTextIsCutAtACharacterBoundary() throws {
        var small = ExtractionLimits()
        small.maxOutputBytes = 101
        let extraction = try run(.text, bytes: Array(String(repeating: "ç", count: 200).utf8), limits: small).get()
        #expect(extraction.attributes["truncated"] == "true")
        #expect(extraction.text == String(repeating: "ç", count: 50))
    }

    @Test func imageDimensionsComeFromTheHeader() throws {
        #expect(ImageDimensions.read(ExtractionFixtures.bytes("ocr-sign.png")) == ImageDimensions(format: .png, width: 688, height: 188))
        #expect(ImageDimensions.read(ExtractionFixtures.bytes("huge-dimensions.png"))?.pixels == 2_500_000_000)
        // JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
        let jpeg: [UInt8] = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00,
            0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03,
        ]
        #expect(ImageDimensions.read(jpeg) == ImageDimensions(format: .jpeg, width: 640, height: 480))
        func webp(_ chunk: String, _ data: [UInt8]) -> [UInt8] {
            Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP\(chunk)".utf8) + [UInt8(data.count), 0, 0, 0] + data
                + [UInt8](repeating: 0, count: 16)
        }
        #expect(
            ImageDimensions.read(webp("VP8X", [0, 0, 0, 0, 0x1F, 0x03, 0, 0xDF, 0x01, 0]))
                == ImageDimensions(format: .webp, width: 800, height: 480))
        // Lossless: 14 bits of width - 1, 14 bits of height - 1, little-endian after the 0x2F signature.
        let bits = UInt32(99) | UInt32(49) << 14
        #expect(
            ImageDimensions.read(
                webp("VP8L", [0x2F, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]))
                == ImageDimensions(format: .webp, width: 100, height: 50))
        #expect(
            ImageDimensions.read(webp("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, 0x40, 0x01, 0xF0, 0x00]))
                == ImageDimensions(format: .webp, width: 320, height: 240))
        #expect(ImageDimensions.read(Array(ExtractionFixtures.bytes("ocr-sign.png").prefix(20))) == nil)
        #expect(ImageDimensions.read([0xFF, 0xD8, 0xFF, 0xD9]) == nil)
    }

    @Test func hugeImageIsRefusedBeforeDecoding() {
        let result = run(.image, fixture: "huge-dimensions.png")
        #expect(result.failureCode == "image_too_large")
        #expect(result.failureMessage?.contains("50000×50000") == true)
        #expect(run(.image, bytes: Array("not an image".utf8)).failureCode == "corrupt_image")
    }

    @Test(.enabled(if: toolInstalled("pdftotext") && toolInstalled("pdfinfo"), "needs poppler-utils"))
    func pdfInProcess() throws {
        let extraction = try run(.pdf, fixture: "manual.pdf").get()
        #expect(extraction.title == "Manual de Atendimento — Companin")
        #expect(extraction.attributes["pages"] == "2")
        let pages = extraction.text.components(separatedBy: "\u{0C}")
        #expect(pages.count == 2)
        #expect(pages[0].contains("Refunds are processed within fourteen days."))
        #expect(pages[0].contains("o balcão abre às nove horas"))
        #expect(pages[1].contains("Encomendas com entrega expressa chegam amanhã."))
        #expect(run(.pdf, fixture: "manual-truncated.pdf").failureCode == "corrupt_pdf")
        #expect(run(.pdf, fixture: "text-named.pdf").failureCode == "corrupt_pdf")
    }

    @Test(.enabled(if: toolInstalled("tesseract"), "needs tesseract-ocr"))
    func ocrInProcess() throws {
        let extraction = try run(.image, fixture: "ocr-sign.png").get()
        #expect(extraction.text.contains("Companin reads invoices"))
        #expect(extraction.text.contains("Fatura paga em dinheiro"))
        #expect(extraction.attributes["width"] == "688")
        #expect(extraction.attributes["height"] == "188")
        #expect(extraction.attributes["ocr_languages"] == "por+eng")
    }
}

extension Result where Failure == ExtractionError {
    var failureCode: String? {
        if case .failure(let error) = self { return error.code }
        return nil
    }

    var failureMessage: String? {
        if case .failure(let error) = self { return error.message }
        return nil
    }
}
