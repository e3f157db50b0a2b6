import ArgumentParser
import Foundation
import Ingestion

/// The child side of `ExtractionRunner`: limits itself, extracts one file and prints one JSON
/// envelope, `{"ok": Extraction}` or `{"error": ExtractionError}`, exiting 0 either way. Ingest
/// workers start it; operators do not need it, so it is left out of the help.
struct Extract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the text of one uploaded file under resource limits (internal, run by ingest workers).",
        shouldDisplay: false)

    @Option(help: "What the file is: pdf, csv, text, json or image.")
    var kind: String

    @Option(help: "The file to read.")
    var path: String

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

    func validate() throws {
        guard ContentKind(rawValue: kind) != nil else {
            throw ValidationError("--kind must be one of \(ContentKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let timeoutSeconds, !(timeoutSeconds > 0 && timeoutSeconds.isFinite) {
            throw ValidationError("--timeout-seconds must be positive.")
        }
        for (name, value) in [("--memory-bytes", memoryBytes), ("--cpu-seconds", cpuSeconds),
                              ("--max-pixels", maxPixels), ("--max-output-bytes", maxOutputBytes)] {
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

        Extractors.applyResourceLimits(limits)
        let result: Result<Extraction, ExtractionError> = if let kind = ContentKind(rawValue: kind) {
            Extractors.run(kind: kind, path: path, limits: limits)
        } else {
            .failure(ExtractionError(code: "invalid_arguments", message: "Unknown kind \(kind)."))
        }
        FileHandle.standardOutput.write(ExtractionEnvelope(result).encoded())
    }
}
