/// Why a source yielded no text. The code is for machines (`timeout`, `resource_limit`, `corrupt_pdf`,
/// `encrypted_pdf`, `corrupt_image`, `image_too_large`, `invalid_json`, `too_deep`, `no_text`,
/// `ocr_failed`, `unreadable`, `tool_missing`, `crashed`, `invalid_output`, `spawn_failed`); the message
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
