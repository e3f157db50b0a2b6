import ArgumentParser
import Foundation
import Ingestion

/// The child side of `ExtractionRunner`: limits itself, extracts one file and prints one JSON
/// envelope, `{"ok": Extraction}` or `{"error": ExtractionError}`, exiting 0 either way. Ingest
/// workers start it; operators do not need it, so it is left out of the help.
///
/// With a FILE argument instead (`companin extract page.html`), it is a tool for operators and
/// evaluation: the kind is sniffed from the content (or given with `--kind`), and it prints the
/// title on the first line (empty when there is none), a blank line, then the text; failures go to
/// stderr with exit status 1.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the text of one uploaded file under resource limits (internal, run by ingest workers).",
        shouldDisplay: false)

    @Argument(help: "A file to extract and print as title, blank line, text (instead of --path).")
    var file: String?

    @Option(help: "What the file is: pdf, csv, text, json, image or html.")
    var kind: String?

    @Option(help: "The file to read.")
    var path: String?

    @Option(help: "The charset an HTTP response declared for the file (HTML only; wins over <meta charset>).")
    var charset: String?

    @Option(help: "Wall-clock limit for the tools this runs, in seconds.")
    var timeoutSeconds: Double?

    @Option(help: "Address-space limit (RLIMIT_AS) in bytes.")
    var memoryBytes: Int?

    @Option(help: "CPU time limit (RLIMIT_CPU) in seconds.")
    var cpuSeconds: Int?

    @Option(help: "Largest image, in pixels, to run OCR on.")
    var maxPixels: Int?

    @Option(help: "Longest text to return, in UTF-8 bytes.")
    var maxOutputBytes: Int?

    /// Tests of the extraction sandbox: a `SandboxProbe.Request` as JSON.
    @Option(help: .hidden) var probe: String?

    func validate() throws {
        if probe != nil {
            return
        } else if file != nil {
            guard path == nil else { throw ValidationError("Give either a FILE argument or --path, not both.") }
        } else if kind == nil || path == nil {
            throw ValidationError("--kind and --path are required without a FILE argument.")
        }
        if let kind, ContentKind(rawValue: kind) == nil {
            throw ValidationError("--kind must be one of \(ContentKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let timeoutSeconds, !(timeoutSeconds > 0 && timeoutSeconds.isFinite) {
            throw ValidationError("--timeout-seconds must be positive.")
        }
        for (name, value) in [
            ("--memory-bytes", memoryBytes), ("--cpu-seconds", cpuSeconds),
            ("--max-pixels", maxPixels), ("--max-output-bytes", maxOutputBytes),
        ] {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive.") }
        }
    }

    func run() throws {
        var limits = ExtractionLimits()
        if let timeoutSeconds { limits.timeout = .milliseconds(Int64((min(timeoutSeconds, 1e9) * 1000).rounded(.up))) }
        if let memoryBytes { limits.memoryBytes = memoryBytes }
        if let cpuSeconds { limits.cpuSeconds = cpuSeconds }
        if let maxPixels { limits.maxPixels = maxPixels }
        if let maxOutputBytes { limits.maxOutputBytes = maxOutputBytes }

        if let file {
            try printExtraction(of: file, limits: limits)
            return
        }
        if let probe {
            try runProbe(probe)
            return
        }
        Extractors.applyResourceLimits(limits)
        let kind = kind ?? ""
        let result: Result<Extraction, ExtractionError> =
            if let kind = ContentKind(rawValue: kind), let path {
                Extractors.run(kind: kind, path: path, limits: limits, charset: charset)
            } else {
                .failure(ExtractionError(code: "invalid_arguments", message: "Unknown kind \(kind)."))
            }
        FileHandle.standardOutput.write(ExtractionEnvelope(result).encoded())
    }

    /// Reports what worked, closes stdout so the runner has the report, then lingers if asked.
    private func runProbe(_ json: String) throws {
        let request = try JSONDecoder().decode(SandboxProbe.Request.self, from: Data(json.utf8))
        FileHandle.standardOutput.write(SandboxProbe.encode(SandboxProbe.run(request)))
        try FileHandle.standardOutput.close()
        if request.lingerSeconds > 0 { Thread.sleep(forTimeInterval: TimeInterval(request.lingerSeconds)) }
    }

    /// The operator mode: title, blank line, text on stdout. A `.html` or `.htm` name counts as
    /// `--kind html`; otherwise the kind is sniffed as for uploads.
    private func printExtraction(of file: String, limits: ExtractionLimits) throws {
        guard let contents = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("\(file): the file could not be read.\n".utf8))
            throw ExitCode(1)
        }
        let named = file.lowercased().hasSuffix(".html") || file.lowercased().hasSuffix(".htm")
        let detected: ContentKind? =
            if let kind { ContentKind(rawValue: kind) } else if named { .html } else {
                ContentSniffer.detect([UInt8](contents))?.kind
            }
        guard let detected else {
            FileHandle.standardError.write(Data("\(file): not a supported type (\(ContentSniffer.acceptedDescription)).\n".utf8))
            throw ExitCode(1)
        }
        Extractors.applyResourceLimits(limits)
        switch Extractors.run(kind: detected, path: file, limits: limits, charset: charset) {
        case .success(let extraction):
            let title = (extraction.title ?? "").replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardOutput.write(Data((title + "\n\n" + extraction.text + "\n").utf8))
        case .failure(let error):
            FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
