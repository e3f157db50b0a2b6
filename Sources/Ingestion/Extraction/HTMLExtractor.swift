import Foundation

/// The readable part of a web page.
public struct HTMLArticle: Sendable, Equatable {
    /// og:title, else `<title>` without a trailing site name, else the first h1.
    public var title: String?
    /// The meta description, else og:description.
    public var description: String?
    /// `<html lang>`, else og:locale, as a language tag (`en`, `pt-BR`).
    public var language: String?
    /// The main content: paragraphs separated by blank lines, headings and list items on their own lines.
    public var text: String

    public init(title: String? = nil, description: String? = nil, language: String? = nil, text: String) {
        self.title = title
        self.description = description
        self.language = language
        self.text = text
    }
}

/// Extracts the main content of an HTML page with general rules (no per-site rules): libxml2's
/// tolerant parser, furniture pruning, Readability-style scoring of paragraph containers.
public enum HTMLExtractor {
    /// The article in `html`. `declaredCharset` is the charset of the HTTP Content-Type, if any; it
    /// wins over the page's `<meta charset>`. `url` is the page's address, used to recognize the site
    /// name in the title. Blank input gives an empty article; `invalid_html` is thrown only when libxml2
    /// produces no document at all.
    public static func extract(html: [UInt8], declaredCharset: String?, url: String?) throws(ExtractionError) -> HTMLArticle {
        try extractWithCharset(html: html, declaredCharset: declaredCharset, url: url).article
    }

    /// The article and the encoding the page was read in.
    static func extractWithCharset(html: [UInt8], declaredCharset: String?, url: String?) throws(ExtractionError)
        -> (article: HTMLArticle, charset: String)
    {
        let (bytes, encoding, charset) = HTMLCharset.prepare(html, declared: declaredCharset)
        guard bytes.contains(where: { !HTMLText.isASCIISpace($0) }) else { return (HTMLArticle(text: ""), charset.lowercased()) }
        let document = try HTMLDocument(bytes: bytes, encoding: encoding)
        let metadata = HTMLMetadata(document: document.tree(), host: url.flatMap(host))
        let site = url.flatMap(HTMLTeasers.host) ?? metadata.siteHost
        let blocks = HTMLMainContent.blocks(title: metadata.title, site: site) { document.tree() }
        let article = HTMLArticle(
            title: metadata.title, description: metadata.description, language: metadata.language,
            text: render(blocks, title: metadata.title))
        return (article, charset.lowercased())
    }

    /// Blocks as text: a blank line between paragraphs and around headings, list items one per line.
    /// A leading heading that repeats the title is left out, unless it is all there is.
    static func render(_ blocks: [HTMLBlock], title: String?) -> String {
        var blocks = blocks
        let heading = blocks.prefix(3).firstIndex { if case .heading = $0.kind { true } else { false } }
        if let title, blocks.count > 1, let heading, comparable(blocks[heading].text) == comparable(title) {
            blocks.remove(at: heading)
        }
        var text = ""
        var previous: HTMLBlock.Kind?
        for block in blocks {
            if let previous {
                text += previous == .listItem && block.kind == .listItem ? "\n" : "\n\n"
            }
            text += block.text
            previous = block.kind
        }
        return text
    }

    static func comparable(_ text: String) -> String {
        HTMLText.collapse(text).lowercased().filter { $0.isLetter || $0.isNumber }
    }

    static func host(_ url: String) -> String? {
        URLComponents(string: url)?.host?.lowercased()
    }
}
