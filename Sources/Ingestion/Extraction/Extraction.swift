/// The text of one source, ready for chunking, with what was learned on the way.
public struct Extraction: Sendable, Equatable, Codable {
    /// UTF-8 text for chunking. PDF pages are separated by a form feed (`\f`).
    public var text: String
    /// The PDF's Title metadata, a JSON document's `title`, or the first heading-like line, if any.
    public var title: String?
    /// Facts about the source: `pages`, `encoding` (`utf-8`, `latin-1`, `windows-1252`), `delimiter`,
    /// `header`, `columns`, `rows`, `fields`, `width`, `height`, `ocr_languages`, and `truncated` = `true`
    /// when the text was cut at `ExtractionLimits.maxOutputBytes`.
    public var attributes: [String: String]

    public init(text: String, title: String? = nil, attributes: [String: String] = [:]) {
        self.text = text
        self.title = title
        self.attributes = attributes
    }
}

/// Why a source yielded no text. The code is for machines (`timeout`, `resource_limit`, `corrupt_pdf`,
/// `encrypted_pdf`, `corrupt_image`, `image_too_large`, `invalid_json`, `too_deep`, `no_text`,
/// `unreadable`, `tool_missing`, `tool_failed`, `crashed`, `invalid_output`, `spawn_failed`); the message
/// is one sentence an operator can act on, never a stack trace or tool noise.
public struct ExtractionError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

extension ExtractionError {
    static func noText(_ message: String) -> ExtractionError { ExtractionError(code: "no_text", message: message) }

    static func timeout(_ limit: Duration) -> ExtractionError {
        ExtractionError(code: "timeout", message: "Extraction took longer than \(limit.secondsDescription) seconds and was stopped.")
    }

    static func toolMissing(_ tool: String, package: String) -> ExtractionError {
        ExtractionError(code: "tool_missing", message: "The \(tool) program (\(package)) is not installed on the server.")
    }
}

extension Duration {
    /// Whole or fractional seconds, as a person or a command line reads them: `60`, `0.05`.
    var secondsDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return String(seconds) }
        return String(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
