import Foundation

extension Extractors {
    /// PDF: `pdfinfo` for Title and Pages, then `pdftotext` (reading order, UTF-8, pages separated by
    /// form feeds). A file poppler cannot open is `corrupt_pdf`; one that needs a password is `encrypted_pdf`.
    static func pdf(path: String, limits: ExtractionLimits, deadline: ContinuousClock.Instant) -> Result<Extraction, ExtractionError> {
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(ExtractionError(code: "unreadable", message: "The uploaded file could not be read."))
        }
        guard let pdfinfo = Subprocess.locate("pdfinfo"), let pdftotext = Subprocess.locate("pdftotext") else {
            return .failure(.toolMissing("pdftotext", package: "poppler-utils"))
        }
        let file = argumentPath(path)

        let info: Subprocess.Outcome
        switch runTool(pdfinfo, ["-enc", "UTF-8", file], deadline: deadline, maxStdoutBytes: 1 << 20) {
        case .failure(let error): return .failure(error)
        case .success(let outcome): info = outcome
        }
        if let failure = toolFailure(info, tool: "pdfinfo", limits: limits, exitFailure: { pdfExitFailure($0, info) }) {
            return .failure(failure)
        }
        var title: String?
        var attributes: [String: String] = [:]
        for line in String(decoding: info.stdout, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch line[..<colon] {
            case "Title" where !value.isEmpty: title = value
            case "Pages": attributes["pages"] = value
            default: break
            }
        }

        let text: Subprocess.Outcome
        switch runTool(
            pdftotext, ["-enc", "UTF-8", "-eol", "unix", file, "-"], deadline: deadline,
            maxStdoutBytes: limits.maxOutputBytes)
        {
        case .failure(let error): return .failure(error)
        case .success(let outcome): text = outcome
        }
        if !text.stdoutTruncated,
            let failure = toolFailure(text, tool: "pdftotext", limits: limits, exitFailure: { pdfExitFailure($0, text) })
        {
            return .failure(failure)
        }
        if text.stdoutTruncated { attributes["truncated"] = "true" }
        var body = String(decoding: text.stdout, as: UTF8.self)
        while let last = body.unicodeScalars.last, last == "\u{0C}" || last == "\n" || last == " " {
            body.unicodeScalars.removeLast()
        }
        return .success(Extraction(text: body, title: title ?? headingLikeLine(body), attributes: attributes))
    }

    /// poppler's exit codes: 1 the file could not be opened, 3 a permissions problem.
    private static func pdfExitFailure(_ code: Int32, _ outcome: Subprocess.Outcome) -> ExtractionError {
        let stderr = outcome.stderrText
        if code == 3 || stderr.contains("Incorrect password") || stderr.contains("encrypted") {
            return ExtractionError(code: "encrypted_pdf", message: "The PDF is encrypted or protected against copying text.")
        }
        return ExtractionError(code: "corrupt_pdf", message: "The PDF could not be read; it is damaged or incomplete.")
    }
}
