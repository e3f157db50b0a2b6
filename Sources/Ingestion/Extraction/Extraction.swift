/// The text of one source, ready for chunking, with what was learned on the way.
public struct Extraction: Sendable, Equatable, Codable {
    /// UTF-8 text for chunking. PDF pages are separated by a form feed (`\f`).
    public var text: String
    /// The PDF's Title metadata, an HTML page's og:title/title/h1, a JSON document's `title`, or the
    /// first heading-like line, if any.
    public var title: String?
    /// Facts about the source: `pages`, `encoding` (`utf-8`, `latin-1`, `windows-1252`), `delimiter`,
    /// `header`, `columns`, `rows`, `fields`, `width`, `height`, `format`, `ocr_languages`, for HTML `charset`,
    /// `description` and `language`, and `truncated` = `true` when the text was cut at `ExtractionLimits.maxOutputBytes`.
    public var attributes: [String: String]

    public init(text: String, title: String? = nil, attributes: [String: String] = [:]) {
        self.text = text
        self.title = title
        self.attributes = attributes
    }
}
