extension Extractors {
    /// Plain text: UTF-8 when valid, else Latin-1 (Windows-1252); line endings normalized.
    static func text(_ bytes: [UInt8]) -> Result<Extraction, ExtractionError> {
        let (text, encoding) = TextDecoding.decode(bytes[...])
        return .success(Extraction(text: text, title: headingLikeLine(text), attributes: ["encoding": encoding.rawValue]))
    }
}
