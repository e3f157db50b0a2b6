import Foundation
import Ingestion

/// A fetched page: the first byte picks the charset the HTTP response declared, the rest is the page.
enum HTMLTarget {
    static let declaredCharsets: [String?] = [nil, "utf-8", "iso-8859-1", "windows-1252", "shift_jis", "utf-16", "x-unknown"]

    static func run(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let charset = declaredCharsets[Int(selector) % declaredCharsets.count]
        do {
            let article = try HTMLExtractor.extract(
                html: Array(bytes.dropFirst()), declaredCharset: charset,
                url: "https://example.com/page")
            if article.text.unicodeScalars.contains("\0") { fail("NUL in extracted text") }
        } catch {
            // `invalid_html`: libxml2 made no document; the source is marked failed with that reason.
        }
    }
}
