import Foundation
import Logging
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The parent side of extraction: runs `EXECUTABLE extract --kind KIND --path=PATH` plus the limit
/// flags as a subprocess in its own process group, reads the one JSON envelope it prints, and kills
/// the whole group (the subprocess and the pdftotext or tesseract it started) at the timeout.
///
/// A crash, a signal, garbage on stdout or a timeout become an `ExtractionError`; nothing throws.
/// The subprocess gets a minimal environment (PATH, locale, TESSDATA_PREFIX, LD_LIBRARY_PATH), none
/// of this process's descriptors, and stdin from /dev/null; with a `sandbox`, it runs inside it and
/// sees only the one input file.
public struct ExtractionRunner: Sendable {
    public let executable: String
    public let limits: ExtractionLimits
    public let sandbox: ExtractionSandbox?
    private let logger = Logger(label: "companin.ingestion.extraction")

    /// `executable` is the path of the `companin` binary.
    public init(executable: String, limits: ExtractionLimits = ExtractionLimits(), sandbox: ExtractionSandbox? = nil) {
        self.executable = executable
        self.limits = limits
        self.sandbox = sandbox
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
        // Inside the sandbox the working directory is "/", and only this path is bound.
        let path = sandbox == nil ? path : Self.absolute(path)
        let outcome: Subprocess.Outcome
        switch run(arguments(path: path, kind: kind, charset: charset), input: path, timeout: limits.timeout) {
        case .success(let result): outcome = result
        case .failure(let error):
            logger.error("extraction subprocess not started", metadata: ["executable": "\(executable)", "error": "\(error)"])
            return .failure(Extractors.spawnFailure(error, program: executable))
        }
        if outcome.timedOut { return .failure(.timeout(limits.timeout)) }
        if !outcome.stdoutTruncated, let envelope = ExtractionEnvelope.decode(outcome.stdout) {
            return envelope.result
        }

        let failure: ExtractionError
        switch outcome.termination {
        case .exited(1) where sandbox != nil && outcome.stderrText.hasPrefix("bwrap:"):
            failure = ExtractionError(code: "sandbox_failed", message: "The extraction sandbox could not be set up.")
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

    /// Runs the executable with `arguments` (in the sandbox, if any, with `input` bound), under this
    /// runner's environment, descriptors and bounds. Fails only when it could not be started.
    func run(_ arguments: [String], input: String?, timeout: Duration) -> Result<Subprocess.Outcome, SystemError> {
        let process = Subprocess(
            executable: executable, arguments: arguments,
            environment: Subprocess.environment(passing: ["TESSDATA_PREFIX", "LD_LIBRARY_PATH"]),
            deadline: ContinuousClock.now + timeout,
            maxStdoutBytes: Extractors.envelopeBytes(limits),
            newProcessGroup: true)
        do throws(SystemError) {
            guard let sandbox else { return .success(try process.run()) }
            // bwrap would fail on a missing executable only after setting up; say it as spawn would.
            if access(executable, X_OK) != 0 { throw SystemError("access \(executable)") }
            return .success(try sandbox.run(process, input: input))
        } catch {
            return .failure(error)
        }
    }

    /// Runs `extract --probe` the way extractions run, and decodes its report; nil when it printed
    /// none. The probe lingers after reporting when asked, so `timeout` decides when it is killed.
    func probe(_ request: SandboxProbe.Request, timeout: Duration) -> [String: SandboxProbe.Attempt]? {
        let json = String(decoding: (try? JSONEncoder().encode(request)) ?? Data(), as: UTF8.self)
        guard case .success(let outcome) = run(["extract", "--probe=\(json)"], input: request.input, timeout: timeout) else {
            return nil
        }
        if !outcome.stderr.isEmpty { logger.debug("probe stderr", metadata: ["stderr": "\(outcome.stderrText)"]) }
        return try? JSONDecoder().decode([String: SandboxProbe.Attempt].self, from: Data(outcome.stdout))
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (directory == "/" ? "" : directory) + "/" + path
    }
}
