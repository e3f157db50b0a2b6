extension Extractors {
    /// The languages tesseract reads, Portuguese first.
    static let ocrLanguages = "por+eng"

    /// Image: dimensions from the header, refused above `maxPixels` before anything decodes it, then
    /// OCR by `tesseract FILE stdout -l por+eng` (English alone when Portuguese data is missing).
    static func image(path: String, limits: ExtractionLimits, deadline: ContinuousClock.Instant) -> Result<Extraction, ExtractionError> {
        let bytes: [UInt8]
        switch readFile(path, limits: limits) {
        case .failure(let error): return .failure(error)
        case .success(let read): bytes = read
        }
        guard let dimensions = ImageDimensions.read(bytes) else {
            return .failure(
                ExtractionError(
                    code: "corrupt_image",
                    message: "The image header could not be read; the file is damaged or not a PNG, JPEG or WebP image."))
        }
        guard dimensions.pixels <= limits.maxPixels else {
            return .failure(
                ExtractionError(
                    code: "image_too_large",
                    message:
                        "The image is \(dimensions.width)×\(dimensions.height) pixels; images up to \(limits.maxPixels) pixels are accepted."
                ))
        }
        guard let tesseract = Subprocess.locate("tesseract") else {
            return .failure(.toolMissing("tesseract", package: "tesseract-ocr"))
        }

        var languages = ocrLanguages
        var outcome: Subprocess.Outcome
        while true {
            switch runTool(
                tesseract, [argumentPath(path), "stdout", "-l", languages], deadline: deadline,
                maxStdoutBytes: limits.maxOutputBytes)
            {
            case .failure(let error): return .failure(error)
            case .success(let ran): outcome = ran
            }
            guard outcome.termination != .exited(0), !outcome.timedOut, languages != "eng",
                outcome.stderrText.contains("Failed loading language")
            else { break }
            languages = "eng"
        }
        if !outcome.stdoutTruncated,
            let failure = toolFailure(
                outcome, tool: "tesseract", limits: limits,
                exitFailure: { _ in
                    ExtractionError(code: "ocr_failed", message: "Text recognition failed; the image may be damaged.")
                })
        {
            return .failure(failure)
        }

        var attributes = [
            "width": String(dimensions.width), "height": String(dimensions.height),
            "format": dimensions.format.rawValue, "ocr_languages": languages,
        ]
        if outcome.stdoutTruncated { attributes["truncated"] = "true" }
        return .success(Extraction(text: ocrText(outcome.stdout), attributes: attributes))
    }

    /// Tesseract's output without trailing spaces, form feeds or runs of blank lines.
    static func ocrText(_ bytes: [UInt8]) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.prefix(upTo: line.lastIndex(where: { !$0.isWhitespace }).map { line.index(after: $0) } ?? line.startIndex)
            if trimmed.isEmpty {
                blank += 1
                continue
            }
            if !lines.isEmpty && blank > 0 { lines.append("") }
            blank = 0
            lines.append(trimmed)
        }
        return lines.joined(separator: "\n")
    }
}
