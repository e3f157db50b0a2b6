/// Decides what an upload is from its bytes, never from the client's file name or Content-Type.
public enum ContentSniffer {
    /// The accepted types, for the 415 message.
    public static let acceptedDescription = "PDF, CSV, plain text, JSON, HTML, PNG, JPEG or WebP images"

    /// The type of `bytes`, or nil when they are none of the accepted types (the caller answers 415).
    ///
    /// Signatures first (`%PDF-`, PNG, JPEG, WebP); then HTML (see `looksLikeHTML`), in whatever
    /// encoding it declares; then text: valid UTF-8, or Latin-1/Windows-1252 without control
    /// characters other than tab, line feed, form feed and carriage return. Text that is one JSON
    /// object or array is JSON; text whose first records split on one delimiter (comma, semicolon, tab
    /// or pipe) into the same number (at least two) of fields is CSV; the rest is plain text.
    public static func detect(_ bytes: [UInt8]) -> DetectedType? {
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 12 && bytes.starts(with: Array("RIFF".utf8)) && Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        if looksLikeHTML(bytes) { return .html }
        let all = bytes[...]
        guard let encoding = TextDecoding.detect(all) else { return nil }
        if encoding == .utf8 && JSONDocument.isContainerDocument(all) { return .json }
        if DelimitedText.detectDelimiter(TextDecoding.withoutBOM(all)) != nil { return .csv }
        return .text
    }

    /// Whether `bytes` start (after a byte-order mark, whitespace and comments) like an HTML page:
    /// `<!doctype html`, `<html`, `<head`, or `<body`, `<div` or `<p` with a closing tag `</` within
    /// the next 1,024 bytes. Case-insensitive.
    static func looksLikeHTML(_ bytes: [UInt8]) -> Bool {
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let head = bytes.prefix(64 * 1024).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func skipSpace() { while start < head.count && [0x20, 0x09, 0x0A, 0x0C, 0x0D].contains(head[start]) { start += 1 } }
        func at(_ prefix: String) -> Bool { head[start...].starts(with: Array(prefix.utf8)) }
        func endsName(_ offset: Int) -> Bool {
            offset >= head.count || [0x20, 0x09, 0x0A, 0x0C, 0x0D, UInt8(ascii: ">"), UInt8(ascii: "/")].contains(head[offset])
        }
        skipSpace()
        // An XML declaration or comments may come before the doctype.
        while at("<!--") || at("<?xml") {
            let close = at("<!--") ? Array("-->".utf8) : Array("?>".utf8)
            guard let end = firstIndex(of: close, in: head, from: start + 4) else { return false }
            start = end + close.count
            skipSpace()
        }
        if at("<!doctype html") { return endsName(start + 14) }
        for tag in ["<html", "<head"] where at(tag) { return endsName(start + tag.count) }
        for tag in ["<body", "<div", "<p"] where at(tag) && endsName(start + tag.count) {
            return firstIndex(of: Array("</".utf8), in: head, from: start + tag.count).map { $0 - start <= 1024 } ?? false
        }
        return false
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
