/// Decides what an upload is from its bytes, never from the client's file name or Content-Type.
public enum ContentSniffer {
    /// The accepted types, for the 415 message.
    public static let acceptedDescription = "PDF, CSV, plain text, JSON, PNG, JPEG or WebP images"

    /// The type of `bytes`, or nil when they are none of the accepted types (the caller answers 415).
    ///
    /// Signatures first (`%PDF-`, PNG, JPEG, WebP); then text: valid UTF-8, or Latin-1/Windows-1252
    /// without control characters other than tab, line feed, form feed and carriage return. Text that
    /// is one JSON object or array is JSON; text whose first records split on one delimiter (comma,
    /// semicolon, tab or pipe) into the same number (at least two) of fields is CSV; the rest is plain text.
    public static func detect(_ bytes: [UInt8]) -> DetectedType? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 12 && bytes.starts(with: Array("RIFF".utf8)) && Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        let all = bytes[...]
        guard let encoding = TextDecoding.detect(all) else { return nil }
        if encoding == .utf8 && JSONDocument.isContainerDocument(all) { return .json }
        if DelimitedText.detectDelimiter(TextDecoding.withoutBOM(all)) != nil { return .csv }
        return .text
    }
}
