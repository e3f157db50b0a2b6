import Logging

/// The parent side of extraction: runs `EXECUTABLE extract --kind KIND --path=PATH` plus the limit
/// flags as a subprocess in its own process group, reads the one JSON envelope it prints, and kills
/// the whole group (the subprocess and the pdftotext or tesseract it started) at the timeout.
///
/// A crash, a signal, garbage on stdout or a timeout become an `ExtractionError`; nothing throws.
/// The subprocess gets a minimal environment (PATH, locale, TESSDATA_PREFIX, LD_LIBRARY_PATH), none
/// of this process's descriptors, and stdin from /dev/null.
public struct ExtractionRunner: Sendable {
    public let executable: String
    public let limits: ExtractionLimits
    private let logger = Logger(label: "companin.ingestion.extraction")

    /// `executable` is the path of the `companin` binary.
    public init(executable: String, limits: ExtractionLimits = ExtractionLimits()) {
        self.executable = executable
        self.limits = limits
    }

    /// The subcommand and flags after argv[0]. The path goes as `--path=PATH`, so a path that starts
    /// with dashes cannot pass for an option.
    func arguments(path: String, kind: ContentKind, charset: String? = nil) -> [String] {
        [
            "extract", "--kind", kind.rawValue, "--path=\(path)",
            "--timeout-seconds", limits.timeout.secondsDescription,
            "--memory-bytes", String(limits.memoryBytes),
            "--cpu-seconds", String(limits.cpuSeconds),
            "--max-pixels", String(limits.maxPixels),
            "--max-output-bytes", String(limits.maxOutputBytes),
        ]
            + (charset.map { ["--charset=\($0)"] } ?? [])
    }

    /// `charset` is the one an HTTP response declared, for HTML; other kinds ignore it.
    public func extract(path: String, kind: ContentKind, charset: String? = nil) -> Result<Extraction, ExtractionError> {
        let process = Subprocess(
            executable: executable, arguments: arguments(path: path, kind: kind, charset: charset),
            environment: Subprocess.environment(passing: ["TESSDATA_PREFIX", "LD_LIBRARY_PATH"]),
            deadline: ContinuousClock.now + limits.timeout,
            maxStdoutBytes: Extractors.envelopeBytes(limits),
            newProcessGroup: true)
        let outcome: Subprocess.Outcome
        do {
            outcome = try process.run()
        } catch {
            logger.error("extraction subprocess not started", metadata: ["executable": "\(executable)", "error": "\(error)"])
            return .failure(Extractors.spawnFailure(error, program: executable))
        }
        if outcome.timedOut { return .failure(.timeout(limits.timeout)) }
        if !outcome.stdoutTruncated, let envelope = ExtractionEnvelope.decode(outcome.stdout) {
            return envelope.result
        }

        let failure: ExtractionError
        switch outcome.termination {
        case .signaled(let signal):
            failure = Extractors.signalFailure(signal, program: "Extraction", stderr: outcome.stderrText, limits: limits)
        case .exited where Extractors.mentionsMemory(outcome.stderrText):
            failure = Extractors.memoryLimit("Extraction", limits)
        case .exited(0):
            failure = ExtractionError(code: "invalid_output", message: "The extractor finished without a readable result.")
        case .exited(let code):
            failure = ExtractionError(code: "crashed", message: "The extractor stopped with status \(code) without a result.")
        }
        logger.warning(
            "extraction subprocess failed",
            metadata: [
                "kind": "\(kind.rawValue)", "code": "\(failure.code)", "termination": "\(outcome.termination)",
                "stderr": "\(String(outcome.stderrText.suffix(2000)))",
            ])
        return .failure(failure)
    }
}
