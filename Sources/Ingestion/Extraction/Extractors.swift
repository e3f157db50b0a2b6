import Foundation
import POSIXSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The child side of extraction, run inside the `extract` subprocess: resource limits first, then
/// one extractor per kind. PDF and image extraction start poppler and tesseract as children of the
/// subprocess, which inherit its limits and its process group.
public enum Extractors {
    /// Extracts the text of the file at `path`, read as `kind`. Every failure is an `ExtractionError`.
    /// `charset` is the one an HTTP response declared, for HTML; other kinds ignore it.
    public static func run(
        kind: ContentKind, path: String, limits: ExtractionLimits,
        charset: String? = nil
    ) -> Result<Extraction, ExtractionError> {
        let deadline = ContinuousClock.now + limits.timeout
        let result: Result<Extraction, ExtractionError>
        switch kind {
        case .pdf: result = pdf(path: path, limits: limits, deadline: deadline)
        case .image: result = image(path: path, limits: limits, deadline: deadline)
        case .csv: result = readFile(path, limits: limits).flatMap { csv($0) }
        case .json: result = readFile(path, limits: limits).flatMap { json($0) }
        case .text: result = readFile(path, limits: limits).flatMap { text($0) }
        case .html: result = readFile(path, limits: limits).flatMap { html($0, declaredCharset: charset) }
        }
        return result.flatMap { finish($0, kind: kind, limits: limits) }
    }

    /// Lowers this process's limits: address space and CPU time as given, no files written (pipes are
    /// not files), a modest number of descriptors, no core dumps. Limits only go down; tools started
    /// afterwards inherit them.
    ///
    /// When stdout is a regular file (someone ran `companin extract … > out.json` by hand), the file
    /// size limit leaves room for the envelope instead of being 0, or printing it would be killed.
    public static func applyResourceLimits(_ limits: ExtractionLimits) {
        lower(RLIMIT_CORE, soft: 0)
        var output = stat()
        let stdoutIsFile = fstat(1, &output) == 0 && (output.st_mode & S_IFMT) == S_IFREG
        lower(RLIMIT_FSIZE, soft: stdoutIsFile ? envelopeBytes(limits) : 0)
        lower(RLIMIT_NOFILE, soft: 64)
        lower(RLIMIT_CPU, soft: max(1, limits.cpuSeconds), hard: max(1, limits.cpuSeconds) + 1)
        lower(RLIMIT_AS, soft: max(1 << 20, limits.memoryBytes))
    }

    /// The most the envelope can take: the text JSON-escaped (at most six bytes per byte) plus the rest.
    static func envelopeBytes(_ limits: ExtractionLimits) -> Int {
        limits.maxOutputBytes.multipliedReportingOverflow(by: 6).partialValue + (1 << 20)
    }

    #if canImport(Glibc)
        private typealias Resource = __rlimit_resource
    #else
        private typealias Resource = Int32
    #endif

    /// Sets the soft and hard limits of `resource`, never above the current hard limit.
    private static func lower(_ resource: Resource, soft: Int, hard: Int? = nil) {
        var current = rlimit()
        #if canImport(Glibc)
            let id = __rlimit_resource_t(resource.rawValue)
        #else
            let id = resource
        #endif
        guard getrlimit(id, &current) == 0 else { return }
        let ceiling = current.rlim_max
        var wanted = rlimit(rlim_cur: min(rlim_t(soft), ceiling), rlim_max: min(rlim_t(hard ?? soft), ceiling))
        _ = setrlimit(id, &wanted)
    }

    /// HTML: the main content of the page (`HTMLExtractor`), with its title; `description`,
    /// `language` and `charset` as attributes when known.
    static func html(_ bytes: [UInt8], declaredCharset: String? = nil) -> Result<Extraction, ExtractionError> {
        do {
            let (article, charset) = try HTMLExtractor.extractWithCharset(html: bytes, declaredCharset: declaredCharset, url: nil)
            var attributes = ["charset": charset]
            if let description = article.description { attributes["description"] = description }
            if let language = article.language { attributes["language"] = language }
            return .success(Extraction(text: article.text, title: article.title, attributes: attributes))
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Shared steps

    /// The whole file. A readable file that cannot be loaded did not fit in the memory limit.
    static func readFile(_ path: String, limits: ExtractionLimits) -> Result<[UInt8], ExtractionError> {
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(ExtractionError(code: "unreadable", message: "The uploaded file could not be read."))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(memoryLimit("Extraction", limits))
        }
        return .success([UInt8](data))
    }

    /// Empty text fails with `no_text`; text over the limit is cut at a character boundary.
    static func finish(_ extraction: Extraction, kind: ContentKind, limits: ExtractionLimits) -> Result<Extraction, ExtractionError> {
        var extraction = extraction
        if extraction.text.utf8.count > limits.maxOutputBytes {
            extraction.text = prefix(extraction.text, maxBytes: limits.maxOutputBytes)
            extraction.attributes["truncated"] = "true"
        }
        guard extraction.text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            return .failure(.noText(noTextMessage(kind)))
        }
        return .success(extraction)
    }

    private static func noTextMessage(_ kind: ContentKind) -> String {
        switch kind {
        case .pdf: "The PDF has no extractable text; it may be a scanned document."
        case .image: "No text was recognized in the image."
        case .csv: "The CSV file has no values."
        case .json: "The JSON document has no values."
        case .text: "The file is empty."
        case .html: "The HTML page has no readable text."
        }
    }

    /// The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends between scalars.
    static func prefix(_ text: String, maxBytes: Int) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.count > maxBytes else { return text }
        var end = max(0, maxBytes)
        while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }

    /// The first non-blank line when it reads like a heading: short, with a letter, not ending like a
    /// sentence. Markdown `#` marks are dropped.
    static func headingLikeLine(_ text: String) -> String? {
        guard
            let line = text.split(whereSeparator: { $0 == "\n" || $0 == "\u{0C}" })
                .lazy.map({ $0.trimmingCharacters(in: .whitespaces) }).first(where: { !$0.isEmpty })
        else { return nil }
        let heading = line.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
        guard (1...120).contains(heading.count),
            heading.unicodeScalars.contains(where: { $0.properties.isAlphabetic }),
            let last = heading.last, !".,;:".contains(last)
        else { return nil }
        return heading
    }

    /// Runs one tool (argv without argv[0]) with the environment tools get, until `deadline`.
    static func runTool(
        _ executable: String, _ arguments: [String], deadline: ContinuousClock.Instant,
        maxStdoutBytes: Int
    ) -> Result<Subprocess.Outcome, ExtractionError> {
        let process = Subprocess(
            executable: executable, arguments: arguments,
            environment: Subprocess.environment(passing: ["TESSDATA_PREFIX"], extra: ["OMP_THREAD_LIMIT": "1"]),
            deadline: deadline, maxStdoutBytes: maxStdoutBytes)
        do {
            return .success(try process.run())
        } catch {
            return .failure(spawnFailure(error, program: executable))
        }
    }

    /// A program that could not be started.
    static func spawnFailure(_ error: SystemError, program: String) -> ExtractionError {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        switch error.errno {
        case ENOENT, EACCES, ENOEXEC:
            return ExtractionError(code: "tool_missing", message: "The \(name) program could not be started (\(error)).")
        case ENOMEM, EAGAIN, EMFILE, ENFILE:
            return ExtractionError(
                code: "resource_limit", message: "The \(name) program could not be started within the resource limits (\(error)).")
        default:
            return ExtractionError(code: "spawn_failed", message: "The \(name) program could not be started (\(error)).")
        }
    }

    /// A tool that timed out, was killed by a limit, crashed or exited non-zero, as an error for
    /// operators; nil when it exited 0. `exitFailure` names what a non-zero exit means for this tool.
    static func toolFailure(
        _ outcome: Subprocess.Outcome, tool: String, limits: ExtractionLimits,
        exitFailure: (Int32) -> ExtractionError
    ) -> ExtractionError? {
        if outcome.timedOut { return .timeout(limits.timeout) }
        switch outcome.termination {
        case .exited(0): return nil
        case .exited(let code):
            if mentionsMemory(outcome.stderrText) { return memoryLimit(tool, limits) }
            return exitFailure(code)
        case .signaled(let signal):
            return signalFailure(signal, program: tool, stderr: outcome.stderrText, limits: limits)
        }
    }

    /// What a death by `signal` most likely means, for a tool or for the `extract` subprocess itself.
    static func signalFailure(_ signal: Int32, program: String, stderr: String, limits: ExtractionLimits) -> ExtractionError {
        switch signal {
        case SIGXCPU, SIGKILL:
            return ExtractionError(
                code: "resource_limit", message: "\(program) used more than its \(limits.cpuSeconds) seconds of CPU time and was stopped.")
        case SIGXFSZ:
            return ExtractionError(code: "resource_limit", message: "\(program) tried to write a file, which extraction does not allow.")
        case _ where mentionsMemory(stderr):
            return memoryLimit(program, limits)
        default:
            let name = String(cString: strsignal(signal))
            return ExtractionError(
                code: "crashed",
                message:
                    "\(program) crashed (\(name)); the file may be malformed or need more than \(megabytes(limits.memoryBytes)) of memory.")
        }
    }

    static func memoryLimit(_ program: String, _ limits: ExtractionLimits) -> ExtractionError {
        ExtractionError(code: "resource_limit", message: "\(program) needed more than its \(megabytes(limits.memoryBytes)) of memory.")
    }

    static func mentionsMemory(_ stderr: String) -> Bool {
        let text = stderr.lowercased()
        return [
            "bad_alloc", "out of memory", "cannot allocate memory", "could not allocate", "memory exhausted",
            "failed to allocate", "allocation failed", "insufficient memory",
        ].contains { text.contains($0) }
    }

    static func megabytes(_ bytes: Int) -> String { "\(bytes >> 20) MiB" }

    /// A path a tool cannot mistake for an option.
    static func argumentPath(_ path: String) -> String { path.hasPrefix("-") ? "./" + path : path }
}
