import Foundation

/// What a page says about itself: title, description and language, read from `<head>` before the
/// page is pruned.
struct HTMLMetadata: Equatable {
    var title: String?
    var description: String?
    var language: String?
    /// The host of the page's canonical address (`<link rel=canonical>`, else og:url), which tells
    /// links within the site from links out of it.
    var siteHost: String?

    init(title: String? = nil, description: String? = nil, language: String? = nil) {
        self.title = title
        self.description = description
        self.language = language
    }

    init(document root: HTMLNode, host: String? = nil) {
        var meta: [String: String] = [:]
        var titleElement: String?
        var firstHeadings: [String] = []
        var htmlLanguage: String?
        var canonical: String?
        for node in root.descendantsAndSelf where node.isElement {
            switch node.name {
            case "meta":
                guard let content = node["content"].map(HTMLText.collapse), !content.isEmpty else { continue }
                for key in [node["property"], node["name"], node["itemprop"], node["http-equiv"]].compactMap({ $0?.lowercased() })
                where meta[key] == nil {
                    meta[key] = content
                }
            case "title":
                if titleElement == nil, node.ancestors.allSatisfy({ $0.name != "svg" }) {
                    titleElement = node.textContent
                }
            case "h1":
                // A site's name set as an h1 in the page's bar is not a headline.
                let siteName = ([node] + Array(node.ancestors)).contains {
                    $0.name == "nav" || $0.classTokens.contains(where: Self.siteNameTokens.contains)
                }
                if firstHeadings.count < 8 && !siteName { firstHeadings.append(node.textContent) }
            case "html":
                if htmlLanguage == nil, let lang = node["lang"] ?? node["xml:lang"] { htmlLanguage = lang }
            case "link":
                if canonical == nil, node["rel"]?.lowercased().split(separator: " ").contains("canonical") == true {
                    canonical = node["href"]
                }
            default:
                continue
            }
        }
        let headings = firstHeadings.filter { !$0.isEmpty }
        title = Self.title(
            openGraph: meta["og:title"] ?? meta["twitter:title"], element: titleElement, headings: headings,
            siteName: meta["og:site_name"], host: host)
        description = [meta["description"], meta["og:description"], meta["twitter:description"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        siteHost = [canonical, meta["og:url"]].compactMap { $0.flatMap(HTMLTeasers.host) }.first
        language = [htmlLanguage, meta["og:locale"], meta["content-language"]]
            .compactMap { $0.map(Self.languageTag) }.first { !$0.isEmpty }
    }

    static let siteNameTokens: Set<String> = ["logo", "brand", "branding", "site", "sitename", "menu", "navbar", "masthead"]

    /// `en_US` → `en-US`; blanks and quotes trimmed.
    static func languageTag(_ raw: String) -> String {
        raw.trimmingASCIIWhitespaceAndQuotes().replacingOccurrences(of: "_", with: "-")
    }

    /// Separators sites put between the headline and the site name in `<title>`.
    static let titleSeparators = [" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " / ", " : "]

    /// og:title, else `<title>`, else the first h1. A title with a separated site name keeps only the
    /// part an h1 repeats; with no h1 to compare, a short trailing segment (the site name) is dropped.
    static func title(
        openGraph: String?, element: String?, headings: [String], siteName: String? = nil,
        host: String? = nil
    ) -> String? {
        let candidates = [openGraph, element].compactMap { $0 }.filter { !$0.isEmpty }
        guard let raw = candidates.first else { return headings.first }
        let normalizedHeadings = headings.map(normalized)
        if normalizedHeadings.contains(normalized(raw)) { return raw }
        for separator in titleSeparators where raw.contains(separator) {
            let parts = raw.components(separatedBy: separator).map(HTMLText.collapse)
            // The heading may itself contain the separator: try every prefix and suffix of the parts.
            for count in stride(from: parts.count - 1, through: 1, by: -1) {
                let prefix = parts.prefix(count).joined(separator: separator)
                let suffix = parts.suffix(count).joined(separator: separator)
                if let index = normalizedHeadings.firstIndex(of: normalized(prefix)) { return headings[index] }
                if let index = normalizedHeadings.firstIndex(of: normalized(suffix)) { return headings[index] }
            }
        }
        for heading in headings where heading.count >= 15 && normalized(raw).hasPrefix(normalized(heading)) {
            return heading
        }
        // The site's name, as og:site_name or the host name spells it, at either end.
        let site = [siteName.map(compact), host.map(compact)].compactMap { $0 }.filter { $0.count >= 2 }
        for separator in titleSeparators where raw.contains(separator) {
            let parts = raw.components(separatedBy: separator).map(HTMLText.collapse)
            func isSite(_ part: String) -> Bool {
                let name = compact(part)
                return !name.isEmpty && site.contains { $0 == name || ($0.contains(name) && name.count >= 3) }
            }
            if parts.count > 1, let last = parts.last, isSite(last) {
                return parts.dropLast().joined(separator: separator)
            }
            if parts.count > 1, let first = parts.first, isSite(first) {
                return parts.dropFirst().joined(separator: separator)
            }
        }
        for separator in [" | ", " - ", " – ", " — ", " :: ", " · ", " » "] {
            guard let range = raw.range(of: separator, options: .backwards) else { continue }
            let head = String(raw[..<range.lowerBound])
            let tail = raw[range.upperBound...]
            if tail.split(separator: " ").count <= 4 && head.split(separator: " ").count >= 3 {
                return HTMLText.collapse(head)
            }
        }
        return raw
    }

    /// Letters and digits only, lower-cased: `The Verge` and `www.theverge.com` compare by it.
    private static func compact(_ text: String) -> String {
        text.lowercased().filter { $0.isLetter || $0.isNumber }
    }

    private static func normalized(_ text: String) -> String {
        HTMLText.collapse(text).lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " }
    }
}
