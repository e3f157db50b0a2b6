import Foundation

/// Finds the main content of a page, Readability-style: prune furniture, score paragraphs and give
/// their scores to the parent and grandparent, take the best container with its good siblings, clean
/// what is inside it, and keep its headings, paragraphs and list items in order.
struct HTMLMainContent {
    /// How hard one pass prunes; later passes are gentler and run when earlier ones find too little.
    struct Pass: Sendable {
        var stripByClass: Bool
        var weighClasses: Bool
        var cleanConditionally: Bool
    }

    static let passes = [
        Pass(stripByClass: true, weighClasses: true, cleanConditionally: true),
        Pass(stripByClass: false, weighClasses: true, cleanConditionally: true),
        Pass(stripByClass: false, weighClasses: false, cleanConditionally: true),
        Pass(stripByClass: false, weighClasses: false, cleanConditionally: false),
    ]

    /// A pass that finds fewer characters than this is retried more gently.
    static let enoughCharacters = 400

    /// The main-content blocks of the page `makeTree` parses (a fresh tree per pass). A gentler pass
    /// replaces a stricter one's result only when it finds at least twice as much text, and not
    /// mostly inside elements the first pass removed as sure furniture (pop-ups, comments, related
    /// links): a short article found cleanly should not give way to a cookie dialog. Headings alone
    /// are not content. When no pass finds any (a page of links, say), the body's text with the
    /// furniture pruned but links kept; failing that, all of the body's text.
    static func blocks(_ makeTree: () -> HTMLNode) -> [HTMLBlock] {
        var best: [HTMLBlock] = []
        for pass in passes {
            var content = HTMLMainContent(root: makeTree(), pass: pass)
            let blocks = content.extract()
            let found = substance(blocks)
            if found > 0 && found >= 2 * substance(best) && (pass.stripByClass || furnitureShare(blocks) <= 0.5) {
                best = blocks
            }
            if substance(best) >= enoughCharacters { break }
        }
        if substance(best) == 0 {
            let pruned = HTMLMainContent(root: makeTree(), pass: passes[0])
            pruned.prune()
            let everything = HTMLBlock.joiningTableRows(HTMLBlock.render([pruned.root]))
            if substance(everything) > 0 || best.isEmpty { best = everything }
            if best.isEmpty { best = HTMLBlock.render([body(of: makeTree())]) }
        }
        return best
    }

    /// Characters outside headings.
    static func substance(_ blocks: [HTMLBlock]) -> Int {
        blocks.reduce(0) { total, block in
            if case .heading = block.kind { return total }
            return total + block.length
        }
    }

    static func characters(_ blocks: [HTMLBlock]) -> Int { blocks.reduce(0) { $0 + $1.length } }

    /// The share of the text inside elements whose class or id says sure furniture.
    static func furnitureShare(_ blocks: [HTMLBlock]) -> Double {
        let total = characters(blocks)
        guard total > 0 else { return 0 }
        let furniture = blocks.filter { block in
            ([block.owner] + Array(block.owner.ancestors)).contains { HTMLBoilerplate.verdict($0) == .strong }
        }
        return Double(characters(furniture)) / Double(total)
    }

    static func body(of root: HTMLNode) -> HTMLNode { root.firstElement(named: "body") ?? root }

    let root: HTMLNode
    let pass: Pass
    private var scores: [ObjectIdentifier: Double] = [:]

    init(root: HTMLNode, pass: Pass) {
        self.root = Self.body(of: root)
        self.pass = pass
    }

    mutating func extract() -> [HTMLBlock] {
        prune()
        root.measure()
        guard root.textLength > 0 else { return [] }
        let paragraphs = HTMLBlock.render([root])
        score(paragraphs)
        guard var top = topCandidate() else { return filter(HTMLBlock.joiningTableRows(paragraphs)) }
        top = widened(top, paragraphs: paragraphs)
        let selected = withSiblings(top)
        if pass.cleanConditionally {
            for node in selected { cleanConditionally(node) }
        }
        return filter(HTMLBlock.joiningTableRows(HTMLBlock.render(selected)))
    }

    // MARK: - Pruning

    /// Removes furniture: invisible and interactive elements, hidden ones, navigation roles, page
    /// headers and footers outside the article, and (first pass) elements whose class or id says
    /// furniture, unless they hold most of the page's link-poor text.
    func prune() {
        root.measure()
        let total = max(1, root.textLength)
        var stack = [root]
        while let node = stack.popLast() {
            node.removeChildren { child in child.isElement && shouldRemove(child, pageText: total) }
            stack.append(contentsOf: node.children.filter(\.isElement))
        }
    }

    private func shouldRemove(_ node: HTMLNode, pageText: Int) -> Bool {
        let name = node.name
        if HTMLBoilerplate.alwaysRemoved.contains(name) { return true }
        // Whatever else it looks like, an element with most of the page's link-poor text stays.
        let holdsMostText = Double(node.textLength) >= 0.5 * Double(pageText) && node.linkDensity < 0.35
        if holdsMostText { return false }
        if HTMLBoilerplate.isHidden(node) { return true }
        if name == "form" { return true }
        if HTMLBoilerplate.hasBoilerplateRole(node) { return true }
        if name == "header" || name == "footer" {
            let inArticle = node.ancestors.contains { $0.name == "article" || $0.name == "main" || $0["itemprop"] == "articleBody" }
            if !inArticle { return true }
        }
        if name == "figcaption" { return true }
        guard pass.stripByClass, name != "a", name != "body" else { return false }
        if HTMLBoilerplate.isFigureFurniture(node) { return true }
        let verdict = HTMLBoilerplate.verdict(node)
        // Class names inside code are syntax highlighting (`hljs-comment`), not page furniture.
        if verdict != .content && node.ancestors.contains(where: { $0.name == "pre" || $0.name == "code" }) { return false }
        switch verdict {
        case .content:
            return false
        case .strong:
            // `article url-breadcrumb`, `article__body article-overlay-handle`: script hooks on the
            // article itself. A content word and the long link-poor text of an article keep it, except
            // on comments, which are long and link-poor too.
            let article = HTMLBoilerplate.isPositive(node) && node.textLength >= 500 && node.linkDensity < 0.3
            return !article || HTMLBoilerplate.isComments(node)
        case .social:
            return node.textLength < 80 || node.linkDensity > 0.5
        case .weak:
            // A word like "author" or "date" on an inline element names a part of a sentence.
            if !HTMLText.blockElements.contains(name) || HTMLBoilerplate.isPositive(node) { return false }
            let longAndLinkPoor = node.textLength >= 400 && node.linkDensity < 0.2
            return !longAndLinkPoor
        }
    }

    // MARK: - Scoring

    private func score(of node: HTMLNode) -> Double { scores[ObjectIdentifier(node)] ?? 0 }

    private mutating func initialize(_ node: HTMLNode) {
        guard scores[ObjectIdentifier(node)] == nil else { return }
        var value: Double
        switch node.name {
        case "div", "article", "main": value = 5
        case "pre", "td", "blockquote", "section": value = 3
        case "address", "ol", "ul", "dl", "dd", "dt", "li", "form": value = -3
        case "h1", "h2", "h3", "h4", "h5", "h6", "th": value = -5
        default: value = 0
        }
        if pass.weighClasses { value += HTMLBoilerplate.classWeight(node) }
        // schema.org's explicit marker of an article's text.
        if node["itemprop"] == "articleBody" { value += 25 }
        scores[ObjectIdentifier(node)] = value
    }

    /// Each paragraph of 25 characters or more scores 1, plus its commas, plus one per 100 characters
    /// (at most 3); its container gets the score, the next ancestor half, further ones a third per level.
    /// List items and h1 headings do not score: menus are lists, and the page title is an h1.
    private mutating func score(_ paragraphs: [HTMLBlock]) {
        for paragraph in paragraphs where paragraph.length >= 25 && paragraph.kind != .listItem {
            if case .heading(1) = paragraph.kind { continue }
            let value = 1 + Double(HTMLText.commaCount(paragraph.text)) + Double(min(paragraph.length / 100, 3))
            guard let first = paragraph.isLoose ? paragraph.owner : paragraph.owner.parent else { continue }
            var level = 0
            var ancestor: HTMLNode? = first
            while let node = ancestor, level < 5, node.name != "#document", node.name != "html" {
                initialize(node)
                let divider: Double = level == 0 ? 1 : level == 1 ? 2 : Double(level) * 3
                scores[ObjectIdentifier(node)]! += value / divider
                ancestor = node.parent
                level += 1
            }
        }
    }

    /// The best-scoring container (score scaled by the share of text outside links), moved up to a
    /// common ancestor when several close runners-up share one.
    private mutating func topCandidate() -> HTMLNode? {
        var candidates: [(node: HTMLNode, score: Double)] = []
        for node in root.descendantsAndSelf where node.isElement && scores[ObjectIdentifier(node)] != nil {
            let scaled = score(of: node) * (1 - node.linkDensity)
            scores[ObjectIdentifier(node)] = scaled
            candidates.append((node, scaled))
        }
        candidates.sort { $0.score > $1.score }
        guard var top = candidates.first?.node, candidates[0].score > 0 else { return nil }
        let topScore = score(of: top)

        let alternatives = candidates.dropFirst().prefix(4).filter { $0.score / topScore >= 0.75 }.map(\.node)
        if alternatives.count >= 3 {
            var parent = top.parent
            while let node = parent, node !== root.parent, node.name != "#document" {
                let sharing = alternatives.filter { $0.isDescendant(of: node) }.count
                if sharing >= 3 {
                    top = node
                    break
                }
                parent = node.parent
            }
        }
        if scores[ObjectIdentifier(top)] == nil { initialize(top) }

        // Climb while the parent scores better than the child: the content may span both.
        var lastScore = score(of: top)
        let threshold = lastScore / 3
        var parent = top.parent
        while let node = parent, node !== root, node.name != "#document" {
            guard scores[ObjectIdentifier(node)] != nil else { parent = node.parent; continue }
            let parentScore = score(of: node)
            if parentScore < threshold { break }
            if parentScore > lastScore {
                top = node
                break
            }
            lastScore = parentScore
            parent = node.parent
        }
        // A lone child says nothing its parent does not; the parent inherits the child's score.
        while let parent = top.parent, parent !== root, parent.name != "#document",
              parent.children.filter({ $0.isElement || $0.textLength > 0 }).count == 1 {
            scores[ObjectIdentifier(parent)] = max(score(of: parent), score(of: top))
            top = parent
        }
        return top
    }

    /// The main content holds most of a page's prose. When the top candidate holds under 60% of it
    /// (one of many similar sections, as on reference pages), the nearest ancestor that gathers 90%
    /// takes its place, if that is at least half as much again and link-poor.
    private func widened(_ top: HTMLNode, paragraphs: [HTMLBlock]) -> HTMLNode {
        var prose: [ObjectIdentifier: Int] = [:]
        for paragraph in paragraphs where paragraph.length >= 25 && paragraph.linkDensity < 0.5 {
            var node: HTMLNode? = paragraph.owner
            while let current = node {
                prose[ObjectIdentifier(current), default: 0] += paragraph.length
                node = current.parent
            }
        }
        let total = prose[ObjectIdentifier(root)] ?? 0
        let own = prose[ObjectIdentifier(top)] ?? 0
        guard total > 0, Double(own) < 0.6 * Double(total) else { return top }
        for ancestor in top.ancestors {
            if ancestor === root || ancestor.name == "#document" { break }
            let gathered = prose[ObjectIdentifier(ancestor)] ?? 0
            if Double(gathered) >= 0.9 * Double(total) {
                let linkPoor = ancestor.linkDensity < 0.35
                let notFurniture = !pass.weighClasses || HTMLBoilerplate.classWeight(ancestor) >= 0
                return Double(gathered) >= 1.5 * Double(own) && linkPoor && notFurniture ? ancestor : top
            }
        }
        return top
    }

    /// The top candidate and the siblings that score at least a fifth of it, or read as prose.
    private func withSiblings(_ top: HTMLNode) -> [HTMLNode] {
        guard top !== root, let parent = top.parent else { return [top] }
        let topScore = score(of: top)
        let threshold = max(10, topScore * 0.2)
        let topClass = top["class"] ?? ""
        var selected: [HTMLNode] = []
        for sibling in parent.children {
            if sibling === top { selected.append(sibling); continue }
            guard sibling.isElement else { continue }
            var bonus = 0.0
            if !topClass.isEmpty && sibling["class"] == topClass { bonus += topScore * 0.2 }
            if effectiveScore(sibling) + bonus >= threshold {
                selected.append(sibling)
                continue
            }
            if Self.proseSiblings.contains(sibling.name) || (sibling.name == "div" && !hasBlockChildren(sibling)) {
                let text = sibling.textContent
                let density = sibling.linkDensity
                if sibling.textLength > 80 && density < 0.25 {
                    selected.append(sibling)
                } else if sibling.textLength < 80 && sibling.textLength > 0 && density == 0
                            && (text.hasSuffix(".") || text.contains(". ")) {
                    selected.append(sibling)
                }
            }
        }
        return selected
    }

    /// Siblings judged by their own text: paragraphs, and the lists, tables, quotes and code between them.
    static let proseSiblings: Set<String> = ["p", "ul", "ol", "dl", "table", "blockquote", "pre"]

    /// The score of `node`, or of the element it merely wraps (a chain of lone children), whichever is higher.
    private func effectiveScore(_ node: HTMLNode) -> Double {
        var best = scores[ObjectIdentifier(node)] ?? -.infinity
        var current = node
        while let only = current.children.first(where: { $0.isElement || $0.textLength > 0 }),
              current.children.filter({ $0.isElement || $0.textLength > 0 }).count == 1, only.isElement {
            if let value = scores[ObjectIdentifier(only)] { best = max(best, value) }
            current = only
        }
        return best
    }

    private func hasBlockChildren(_ node: HTMLNode) -> Bool {
        node.children.contains { $0.isElement && HTMLText.blockElements.contains($0.name) }
    }

    // MARK: - Cleaning the content

    static let conditionallyCleaned: Set<String> = ["div", "section", "table", "ul", "ol", "dl", "figure", "form", "header", "footer"]

    /// Readability's conditional cleaning: inside the content, drops lists, tables and divisions that
    /// look like furniture (negative weight, link-heavy, image galleries, forms, tiny fragments).
    private func cleanConditionally(_ content: HTMLNode) {
        content.measure()
        let candidates = content.descendantsAndSelf.filter { $0 !== content && Self.conditionallyCleaned.contains($0.name) }
        for node in candidates.reversed() where node.isDescendant(of: content) {
            if shouldClean(node) { node.remove() }
        }
    }

    private func shouldClean(_ node: HTMLNode) -> Bool {
        node.measure()
        let descendants = node.descendantsAndSelf
        // An embedded quote or post is content even when its links make it look like furniture.
        let quoted = descendants.filter { $0.name == "blockquote" }.reduce(0) { $0 + $1.textLength }
        if node.linkDensity < 0.5 && quoted * 2 >= node.textLength && node.textLength > 0 { return false }
        let weight = pass.weighClasses ? HTMLBoilerplate.classWeight(node) : 0
        if weight + score(of: node) < 0 { return true }
        let text = node.textContent
        if HTMLText.commaCount(text) >= 10 { return false }
        func count(_ names: Set<String>) -> Int { descendants.filter { names.contains($0.name) }.count }
        let paragraphs = count(["p"])
        let images = count(["img"])
        let items = count(["li"]) - 100
        let inputs = count(["input", "select", "textarea"])
        let embeds = count(["embed", "object", "iframe", "video"])
        let headingLength = descendants.filter { HTMLText.headingElements.contains($0.name) }.reduce(0) { $0 + $1.textLength }
        let headingDensity = node.textLength == 0 ? 0 : Double(headingLength) / Double(node.textLength)
        var isList = node.name == "ul" || node.name == "ol" || node.name == "dl"
        if !isList {
            let listLength = descendants.filter { $0.name == "ul" || $0.name == "ol" }.reduce(0) { $0 + $1.textLength }
            isList = node.textLength > 0 && Double(listLength) / Double(node.textLength) > 0.9
        }
        let inFigure = node.name == "figure" || node.ancestors.contains { $0.name == "figure" }
        let length = node.textLength
        let density = node.linkDensity
        if images > 1 && Double(paragraphs) / Double(images) < 0.5 && !inFigure { return true }
        if !isList && items > paragraphs { return true }
        if inputs > paragraphs / 3 { return true }
        if !isList && headingDensity < 0.9 && length < 25 && (images == 0 || images > 2) && !inFigure { return true }
        if !isList && weight < 25 && density > 0.2 { return true }
        if weight >= 25 && density > 0.5 { return true }
        if (embeds == 1 && length < 75) || embeds > 1 { return true }
        return false
    }

    // MARK: - Filtering blocks

    /// Drops short link-heavy lines (navigation, "read more") and empty blocks, then trims the edges:
    /// date and byline lines near the start or end, and trailing headings or lead-ins ("Share this:")
    /// whose content was removed.
    private func filter(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        let linked = linkFiltered(blocks)
        let edge = 3
        var kept = linked.enumerated().filter { index, block in
            !((index < edge || index >= linked.count - edge) && Self.isDateLine(block))
        }.map(\.element)
        while let last = kept.last, kept.contains(where: { if case .heading = $0.kind { false } else { true } }) {
            if case .heading = last.kind {
                kept.removeLast()
            } else if last.kind == .paragraph && last.length < 60 && last.text.hasSuffix(":") {
                kept.removeLast()
            } else {
                break
            }
        }
        return kept
    }

    /// A short line with a year or a time of day and no sentence ending: a dateline or byline.
    static func isDateLine(_ block: HTMLBlock) -> Bool {
        guard block.kind == .paragraph, block.length < 80, !block.text.hasSuffix("."), !block.text.hasSuffix("!"),
              !block.text.hasSuffix("?"), block.owner.name != "blockquote",
              !block.owner.ancestors.contains(where: { $0.name == "blockquote" }) else { return false }
        let scalars = Array(block.text.unicodeScalars)
        func digit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        for index in scalars.indices {
            // A four-digit year 1900–2099 standing alone.
            if index + 3 < scalars.count, !digit(index - 1), !digit(index + 4),
               (scalars[index] == "1" && scalars[index + 1] == "9") || (scalars[index] == "2" && scalars[index + 1] == "0"),
               digit(index + 2), digit(index + 3) {
                return true
            }
            // A time of day, 9:41 or 17:45.
            if scalars[index] == ":", digit(index - 1), digit(index + 1), digit(index + 2), !digit(index + 3) {
                return true
            }
        }
        return false
    }

    private func linkFiltered(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        blocks.filter { block in
            if block.length == 0 { return false }
            if block.linkDensity >= 0.5 && block.length < 300 { return false }
            return true
        }
    }
}
