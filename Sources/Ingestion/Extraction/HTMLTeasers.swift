import Foundation

/// Teasers: blocks that advertise other pages of the site — a headline link, perhaps a one-line
/// summary, a time or a "Read more" — alone or in lists and grids under labels such as "Related",
/// "Leia também" or "Más leídas". Their summaries are link-poor prose, so scoring alone can prefer a
/// grid of them to a short article.
enum HTMLTeasers {
    /// Labels of sections that list other stories (English, Portuguese, Spanish, a little French and
    /// German), compared with the start of the section's first line.
    static let labels = [
        "related", "read more", "read also", "also read", "read next", "more from", "more stories", "more news",
        "more in ", "more on ", "you may also like", "you might also like", "you may like", "you might like",
        "recommended", "most read", "most popular", "most viewed", "popular now", "trending", "top stories",
        "latest news", "latest stories", "don't miss", "editor's picks", "up next", "what to read next",
        "leia também", "leia mais", "veja também", "veja mais", "mais lidas", "mais lidos", "mais vistas",
        "mais vistos", "mais notícias", "notícias relacionadas", "relacionadas", "relacionados", "confira também",
        "você também pode gostar", "você pode gostar", "também pode gostar", "pode também gostar", "recomendad",
        "últimas notícias", "outras notícias", "em alta", "lee también", "te puede interesar", "también te puede",
        "más leídas", "más leídos", "lo más visto", "lo más leído", "noticias relacionadas", "últimas noticias",
        "te recomendamos", "más noticias", "à lire aussi", "lire aussi", "sur le même sujet", "les plus lus",
        "mehr zum thema", "auch interessant", "meistgelesen",
    ]

    /// Whether `text`, a short first line, names a list of other stories.
    static func isLabel(_ text: String) -> Bool {
        let line = HTMLText.collapse(text).lowercased().replacingOccurrences(of: "’", with: "'")
        guard !line.isEmpty, line.count <= 48 else { return false }
        return labels.contains { line.hasPrefix($0) || line == $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The text of `node` up to the end of its first block of text (a heading, a label), at most 60
    /// characters.
    static func firstLine(of node: HTMLNode) -> String {
        var line = ""
        var stack: [HTMLNode] = [node]
        while let current = stack.popLast() {
            if current.isText {
                line += current.text
                if line.count > 60 { break }
                continue
            }
            if current !== node, HTMLText.blockElements.contains(current.name), !line.allSatisfy(\.isWhitespace) { break }
            if HTMLBlock.invisibleElements.contains(current.name) { continue }
            stack.append(contentsOf: current.children.reversed())
        }
        return HTMLText.collapse(line)
    }

    /// A section that says it lists other stories and does: its first line is such a label, it is made
    /// of links or teasers, and no paragraph in it reads as the article's prose.
    static func isLabelledSection(_ node: HTMLNode) -> Bool {
        guard HTMLText.blockElements.contains(node.name), node.name != "body", node.textLength > 0,
            isLabel(firstLine(of: node))
        else { return false }
        guard node.linkDensity >= 0.25 || node.children.contains(where: isTeaserList) else { return false }
        return !holdsArticle(node)
    }

    /// Holds the page's headline, the marked article body, or a paragraph long and link-poor enough to
    /// be the article's: never removed as teasers.
    static func holdsArticle(_ node: HTMLNode) -> Bool {
        node.descendantsAndSelf.contains { descendant in
            descendant.name == "h1" || descendant["itemprop"] == "articleBody"
                || (descendant.name == "p" && descendant.textLength >= 400 && descendant.linkDensity < 0.1)
        }
    }

    /// One teaser: a headline link (in or around a heading, or the unit's first text) with at most a
    /// short summary beside it.
    static func isTeaser(_ unit: HTMLNode) -> Bool {
        guard unit.isElement, unit.textLength >= 12, unit.textLength <= 520,
            unit.textLength - unit.linkLength <= 320
        else { return false }
        let descendants = unit.descendantsAndSelf
        guard let headline = descendants.first(where: { $0.isLink && $0.textLength >= 12 }) else { return false }
        if headline.descendantsAndSelf.contains(where: { HTMLText.headingElements.contains($0.name) }) { return true }
        if headline.ancestors.prefix(while: { $0 !== unit }).contains(where: { HTMLText.headingElements.contains($0.name) }) {
            return true
        }
        // Otherwise the link opens the unit and a summary follows it: a card, not a sentence with a link.
        let firstText = descendants.first { $0.isText && $0.textLength > 0 }
        let opens = firstText.map { $0.isDescendant(of: headline) } ?? false
        return opens && unit.textLength - unit.linkLength >= 40
    }

    /// A list or grid of teasers: at least three of its children are teasers, and they hold most of its text.
    static func isTeaserList(_ node: HTMLNode) -> Bool {
        guard node.isElement, node.textLength > 0, node.name != "body", node.name != "p" else { return false }
        let items = node.children.filter { $0.isElement && $0.textLength > 0 }
        guard items.count >= 3 else { return false }
        let teasers = items.filter(isTeaser)
        guard teasers.count >= 3, Double(teasers.count) >= 0.6 * Double(items.count) else { return false }
        let text = teasers.reduce(0) { $0 + $1.textLength }
        return Double(text) >= 0.7 * Double(node.textLength)
    }

    /// A teaser list whose headlines lead to other pages of the same site (`site`, the page's host):
    /// a list article's links usually lead out, to the things it lists. Without a host, only relative
    /// links count as the site's.
    static func isSiteTeaserList(_ node: HTMLNode, site: String?) -> Bool {
        guard isTeaserList(node) else { return false }
        let links = node.children.filter(isTeaser).compactMap { unit in
            unit.descendantsAndSelf.first { $0.isLink && $0.textLength >= 12 }?["href"]
        }
        let within = links.filter { isWithin($0, site: site) }.count
        return !links.isEmpty && Double(within) >= 2.0 / 3.0 * Double(links.count)
    }

    /// Whether `href` stays on the site: relative, or on the same host (`www.` and subdomains aside).
    static func isWithin(_ href: String, site: String?) -> Bool {
        let trimmed = href.trimmingCharacters(in: .whitespaces)
        guard let target = host(trimmed) else { return !trimmed.lowercased().hasPrefix("javascript:") && !trimmed.hasPrefix("#") }
        guard let site else { return false }
        return target == site || target.hasSuffix("." + site) || site.hasSuffix("." + target)
    }

    /// The host of an absolute or scheme-relative address, without `www.`; nil for a relative one.
    static func host(_ address: String) -> String? {
        let lower = address.lowercased()
        guard let start = lower.range(of: "//"), lower.hasPrefix("//") || lower.hasPrefix("http") else { return nil }
        let rest = lower[start.upperBound...]
        let name = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != ":" }
        guard !name.isEmpty else { return nil }
        return name.hasPrefix("www.") ? String(name.dropFirst(4)) : String(name)
    }
}
