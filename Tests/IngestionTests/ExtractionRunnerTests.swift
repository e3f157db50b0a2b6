import Foundation
import Synchronization
import Testing

@testable import Ingestion

/// ExtractionRunner through a real `companin extract` subprocess (COMPANIN_BIN), plus the runner's
/// failure mapping and process-group handling against small shell scripts. Everything runs in the
/// bwrap sandbox where it works here, as workers run it (`COMPANIN_EXTRACTION_SANDBOX=bwrap`).
@Suite("Extraction: runner subprocess")
struct ExtractionRunnerTests {
    static let sandbox = ExtractionSandboxTests.sandbox
    static let hasBinary = companinBinary != nil
    static let hasPoppler = hasBinary && toolInstalled("pdftotext") && toolInstalled("pdfinfo")
    static let hasTesseract = hasBinary && toolInstalled("tesseract")

    func runner(_ configure: (inout ExtractionLimits) -> Void = { _ in }) -> ExtractionRunner {
        var limits = ExtractionLimits()
        configure(&limits)
        return ExtractionRunner(executable: companinBinary ?? "/nonexistent", limits: limits, sandbox: Self.sandbox)
    }

    @Test(.enabled(if: hasBinary, "COMPANIN_BIN not set"))
    func textThroughTheSubprocess() throws {
        let extraction = try runner().extract(path: ExtractionFixtures.path("latin1.txt"), kind: .text).get()
        #expect(extraction.text.hasPrefix("Política de privacidade"))
        #expect(extraction.attributes["encoding"] == "latin-1")
        #expect(runner().extract(path: ExtractionFixtures.path("deep.json"), kind: .json).failureCode == "too_deep")
    }

    @Test func argumentsKeepPathsApartFromOptions() {
        var limits = ExtractionLimits()
        limits.timeout = .milliseconds(1500)
        let arguments = ExtractionRunner(executable: "/usr/bin/companin", limits: limits).arguments(path: "--kind", kind: .pdf)
        #expect(
            arguments == [
                "extract", "--kind", "pdf", "--path=--kind", "--timeout-seconds", "1.5",
                "--memory-bytes", "1073741824", "--cpu-seconds", "60", "--max-pixels", "40000000",
                "--max-output-bytes", "16777216",
            ])
        #expect(Extractors.argumentPath("-x.pdf") == "./-x.pdf")
        #expect(Extractors.argumentPath("/tmp/-x.pdf") == "/tmp/-x.pdf")
    }

    @Test(.enabled(if: hasPoppler, "needs COMPANIN_BIN and poppler-utils"))
    func pdfTextTitleAndPages() throws {
        let extraction = try runner().extract(path: ExtractionFixtures.path("manual.pdf"), kind: .pdf).get()
        #expect(extraction.title == "Manual de Atendimento — Companin")
        #expect(extraction.attributes["pages"] == "2")
        #expect(extraction.text.contains("Our support desk is open Monday to Friday."))
        #expect(extraction.text.contains("A devolução do pagamento é feita em catorze dias."))
        #expect(extraction.text.contains("\u{0C}Second page: shipping"))
        #expect(extraction.text.contains("Informação adicional: ligue para o número 800 123 456."))
    }

    @Test(.enabled(if: hasPoppler, "needs COMPANIN_BIN and poppler-utils"))
    func truncatedPDFFailsClearly() throws {
        let result = runner().extract(path: ExtractionFixtures.path("manual-truncated.pdf"), kind: .pdf)
        let error = try #require(result.failure)
        #expect(["corrupt_pdf", "no_text"].contains(error.code))
        #expect(error.message.hasSuffix("."))
        #expect(!error.message.contains("Syntax Error"))
    }

    @Test(.enabled(if: hasTesseract, "needs COMPANIN_BIN and tesseract"))
    func ocrFindsTheWords() throws {
        let extraction = try runner().extract(path: ExtractionFixtures.path("ocr-sign.png"), kind: .image).get()
        #expect(extraction.text.contains("Companin reads invoices"))
        #expect(extraction.text.contains("Fatura paga em dinheiro"))
        #expect(extraction.attributes["ocr_languages"] == "por+eng")
    }

    @Test(.enabled(if: hasBinary, "COMPANIN_BIN not set"))
    func hugeImageIsRefusedQuickly() throws {
        let started = ContinuousClock.now
        let error = try #require(runner().extract(path: ExtractionFixtures.path("huge-dimensions.png"), kind: .image).failure)
        #expect(error.code == "image_too_large")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test(.enabled(if: hasTesseract, "needs COMPANIN_BIN and tesseract"))
    func timeoutBeforeOCRStarts() throws {
        let path = ExtractionFixtures.uniqueCopy("ocr-sign.png")
        defer { ExtractionFixtures.remove(path) }
        let started = ContinuousClock.now
        let result = runner { $0.timeout = .milliseconds(50) }.extract(path: path, kind: .image)
        #expect(result.failureCode == "timeout")
        #expect(result.failureMessage == "Extraction took longer than 0.05 seconds and was stopped.")
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(eventually { livingProcesses(mentioning: path).isEmpty })
    }

    @Test(.enabled(if: hasTesseract, "needs COMPANIN_BIN and tesseract"))
    func timeoutKillsTesseractWithTheProcessGroup() throws {
        // A full page takes tesseract seconds; a thread watches for it while the runner waits.
        let path = ExtractionFixtures.uniqueCopy("ocr-page.png")
        defer { ExtractionFixtures.remove(path) }
        let sawTesseract = Mutex(false)
        let watcher = Thread {
            let seen = eventually(within: .seconds(5)) {
                livingProcesses(mentioning: path).contains { pid in
                    let command = FileManager.default.contents(atPath: "/proc/\(pid)/comm").map { String(decoding: $0, as: UTF8.self) }
                    return command?.hasPrefix("tesseract") == true
                }
            }
            sawTesseract.withLock { $0 = seen }
        }
        watcher.start()
        let started = ContinuousClock.now
        let result = runner { $0.timeout = .milliseconds(1000) }.extract(path: path, kind: .image)
        let elapsed = ContinuousClock.now - started
        #expect(result.failureCode == "timeout")
        #expect(elapsed < .seconds(3))
        #expect(eventually { livingProcesses(mentioning: path).isEmpty })
        #expect(eventually { watcher.isFinished })
        #expect(sawTesseract.withLock { $0 }, "tesseract never ran")
    }

    @Test(.enabled(if: hasTesseract, "needs COMPANIN_BIN and tesseract"))
    func smallMemoryLimitFailsWithoutHanging() throws {
        let started = ContinuousClock.now
        let error = try #require(
            runner { $0.memoryBytes = 32 << 20 }.extract(path: ExtractionFixtures.path("ocr-sign.png"), kind: .image).failure)
        #expect(["resource_limit", "crashed"].contains(error.code), "\(error)")
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test(.enabled(if: hasBinary, "COMPANIN_BIN not set"))
    func bigInputUnderSmallMemoryLimit() throws {
        // 8 MB of CSV does not fit in 32 MiB of address space with the Swift runtime.
        let row = Array("Ana Conceição;São Paulo;Prefere atendimento à tarde;1.250,50\n".utf8)
        let path = ExtractionFixtures.temporaryFile(
            Array("nome;cidade;nota;saldo\n".utf8) + Array([[UInt8]](repeating: row, count: 130_000).joined()))
        defer { ExtractionFixtures.remove(path) }
        let error = try #require(runner { $0.memoryBytes = 32 << 20 }.extract(path: path, kind: .csv).failure)
        #expect(["resource_limit", "crashed"].contains(error.code), "\(error)")
    }

    // MARK: Failure mapping, with stand-in executables

    func script(_ body: String) -> String {
        let path = ExtractionFixtures.temporaryFile(Array("#!/bin/sh\n\(body)\n".utf8), suffix: ".sh")
        chmod(path, 0o755)
        return path
    }

    @Test func missingExecutable() {
        let error = ExtractionRunner(executable: "/nonexistent/companin", sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text)
            .failure
        #expect(error?.code == "tool_missing")
    }

    @Test func garbageOnStdout() {
        #expect(
            ExtractionRunner(executable: "/bin/echo", sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text).failureCode
                == "invalid_output")
        let failing = script("echo half a result; exit 3")
        defer { ExtractionFixtures.remove(failing) }
        let error = ExtractionRunner(executable: failing, sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text).failure
        #expect(error?.code == "crashed")
        #expect(error?.message.contains("status 3") == true)
    }

    @Test("signals", arguments: [("SEGV", "crashed"), ("XCPU", "resource_limit"), ("XFSZ", "resource_limit")])
    func signals(signal: String, code: String) {
        let path = script("kill -\(signal) $$")
        defer { ExtractionFixtures.remove(path) }
        #expect(ExtractionRunner(executable: path, sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text).failureCode == code)
    }

    @Test func envelopeFromAStandIn() throws {
        let path = script(#"echo '{"ok":{"text":"from a script","attributes":{"a":"b"}}}'"#)
        defer { ExtractionFixtures.remove(path) }
        let extraction = try ExtractionRunner(executable: path, sandbox: Self.sandbox).extract(path: "/tmp/x", kind: .text).get()
        #expect(extraction == Extraction(text: "from a script", attributes: ["a": "b"]))
    }

    @Test(arguments: [false, true])
    func timeoutKillsGrandchildren(sandboxed: Bool) {
        let marker = "extraction-marker-\(UUID().uuidString)"
        // The script starts a grandchild and waits; both carry the marker in their command lines.
        let path = script("sh -c 'sleep 30; true' \(marker) & sleep 30; echo never")
        defer { ExtractionFixtures.remove(path) }
        var limits = ExtractionLimits()
        limits.timeout = .milliseconds(300)
        let started = ContinuousClock.now
        let result = ExtractionRunner(executable: path, limits: limits, sandbox: sandboxed ? Self.sandbox : nil)
            .extract(path: marker, kind: .text)
        #expect(result.failureCode == "timeout")
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(eventually { livingProcesses(mentioning: marker).isEmpty })
    }

    @Test func envelopeRoundTrip() throws {
        let ok = ExtractionEnvelope.ok(Extraction(text: "é\u{0C}\n\"", title: "T", attributes: ["pages": "2"]))
        #expect(ExtractionEnvelope.decode(Array(ok.encoded())) == ok)
        let error = ExtractionEnvelope.error(ExtractionError(code: "no_text", message: "Nothing."))
        #expect(String(decoding: error.encoded(), as: UTF8.self) == #"{"error":{"code":"no_text","message":"Nothing."}}"# + "\n")
        #expect(ExtractionEnvelope.decode(Array("{}".utf8)) == nil)
        #expect(ExtractionEnvelope.decode(Array("not json".utf8)) == nil)
    }
}

extension Result where Failure == ExtractionError {
    var failure: ExtractionError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
