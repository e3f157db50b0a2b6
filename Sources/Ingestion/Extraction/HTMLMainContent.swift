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
    /// replaces a stricter one's result only when it finds at least twice as much text outside links
    /// (a menu left in is not more article), and not mostly inside elements the first pass removed as
    /// sure furniture (pop-ups, comments, related links): a short article found cleanly should not
    /// give way to a cookie dialog. Headings alone are not content; neither are consent notices, so a
    /// result that is only one counts as nothing. When no pass finds any (a page of links, say), the
    /// body's text with the furniture pruned but links kept; failing that, all of the body's text.
    static func blocks(title: String? = nil, site: String? = nil, _ makeTree: () -> HTMLNode) -> [HTMLBlock] {
        var best: [HTMLBlock] = []
        for pass in passes {
            var content = HTMLMainContent(root: makeTree(), pass: pass, title: title, site: site)
            let blocks = content.extract()
            let found = prose(blocks)
            if found > 0 && found >= 2 * prose(best) && (pass.stripByClass || furnitureShare(blocks) <= 0.5) {
                best = blocks
            }
            if substance(best) >= enoughCharacters { break }
        }
        if substance(best) == 0 {
            let pruned = HTMLMainContent(root: makeTree(), pass: passes[0], title: title, site: site)
            pruned.prune()
            let everything = HTMLConsent.withoutNotices(HTMLBlock.joiningTableRows(HTMLBlock.render([pruned.root])))
            if substance(everything) > 0 || best.isEmpty { best = everything }
            if best.isEmpty { best = HTMLConsent.withoutNotices(HTMLBlock.render([body(of: makeTree())])) }
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

    /// Characters outside headings and links: what a gentler pass must find more of, so that a menu
    /// its pruning left in does not count as finding more article.
    static func prose(_ blocks: [HTMLBlock]) -> Int {
        blocks.reduce(0) { total, block in
            if case .heading = block.kind { return total }
            return total + block.length - block.linkLength
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
    /// The page's title (from its metadata) and host, if known.
    let title: String?
    let site: String?
    private var scores: [ObjectIdentifier: Double] = [:]
    /// Lists and grids of the site's teasers left after pruning: their summaries are not the article's.
    private(set) var teaserLists: Set<ObjectIdentifier> = []
    /// The containers the headline points at (see `pointedAt`).
    private(set) var pointed: Set<ObjectIdentifier> = []

    init(root: HTMLNode, pass: Pass, title: String? = nil, site: String? = nil) {
        self.root = Self.body(of: root)
        self.pass = pass
        self.title = title
        self.site = site
    }

    mutating func extract() -> [HTMLBlock] {
        prune()
        root.measure()
        guard root.textLength > 0 else { return [] }
        let paragraphs = HTMLBlock.render([root])
        teaserLists = Set(
            root.descendantsAndSelf.filter { HTMLTeasers.isSiteTeaserList($0, site: site) }
                .map(ObjectIdentifier.init))
        pointed = pointedAt(paragraphs)
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

    /// Removes furniture: consent notices and overlays, sections of teasers, invisible and interactive
    /// elements, hidden ones, navigation roles, page headers and footers outside the article, and
    /// (first pass) elements whose class or id says furniture, unless they hold most of the page's
    /// link-poor text.
    func prune() {
        root.measure()
        let total = max(1, root.textLength)
        HTMLConsent.removeNotices(below: root, pageText: total)
        var stack = [root]
        while let node = stack.popLast() {
            node.removeChildren { child in child.isElement && shouldRemove(child, pageText: total) }
            stack.append(contentsOf: node.children.filter(\.isElement))
        }
    }

    private func shouldRemove(_ node: HTMLNode, pageText: Int) -> Bool {
        let name = node.name
        if HTMLBoilerplate.alwaysRemoved.contains(name) { return true }
        let holdsMostText = Double(node.textLength) >= 0.5 * Double(pageText) && node.linkDensity < 0.35
        // Never content, and often as long as a short article: these go in every pass, unless they
        // hold the article (a notice's long text must also read as one).
        if HTMLConsent.isMarkedNotice(node) && !HTMLConsent.holdsHeadline(node)
            && (!holdsMostText || HTMLConsent.noticeShare(node) >= 0.5)
        {
            return true
        }
        if HTMLTeasers.isLabelledSection(node) { return true }
        // Whatever else it looks like, an element with most of the page's link-poor text stays.
        if holdsMostText { return false }
        if HTMLBoilerplate.isHidden(node) && !HTMLConsent.isPageBehindDialog(node, pageText: pageText) { return true }
        if HTMLConsent.isOverlay(node) && Double(node.textLength) < 0.3 * Double(pageText) { return true }
        if HTMLBoilerplate.isSignupBox(node) { return true }
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

    func score(of node: HTMLNode) -> Double { scores[ObjectIdentifier(node)] ?? 0 }

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
    /// List items and h1 headings do not score: menus are lists, and the page title is an h1. A
    /// teaser's summary scores a quarter: a grid of them is not an article.
    private mutating func score(_ paragraphs: [HTMLBlock]) {
        for paragraph in paragraphs where paragraph.length >= 25 && paragraph.kind != .listItem {
            if case .heading(1) = paragraph.kind { continue }
            var value = 1 + Double(HTMLText.commaCount(paragraph.text)) + Double(min(paragraph.length / 100, 3))
            if isInTeaserList(paragraph.owner) { value *= 0.25 }
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

    /// The best-scoring container (score scaled by the share of text outside links, raised where the
    /// headline points, lowered for a list of teasers), moved up to a common ancestor when several
    /// close runners-up share one.
    private mutating func topCandidate() -> HTMLNode? {
        var candidates: [(node: HTMLNode, score: Double)] = []
        for node in root.descendantsAndSelf where node.isElement && scores[ObjectIdentifier(node)] != nil {
            var scaled = score(of: node) * (1 - node.linkDensity)
            if pointed.contains(ObjectIdentifier(node)) { scaled *= 1.5 }
            if teaserLists.contains(ObjectIdentifier(node)) && !pointed.contains(ObjectIdentifier(node)) { scaled *= 0.3 }
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

        // Climb while the parent scores better than the child: the content may span both. Where the
        // headline points, it spans no more than the element holding both.
        var lastScore = score(of: top)
        let threshold = lastScore / 3
        let followsHeadline = pointed.contains(ObjectIdentifier(top))
        var parent = top.parent
        while let node = parent, node !== root, node.name != "#document" {
            if followsHeadline && !pointed.contains(ObjectIdentifier(node)) { break }
            guard scores[ObjectIdentifier(node)] != nil else {
                parent = node.parent
                continue
            }
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
            parent.children.filter({ $0.isElement || $0.textLength > 0 }).count == 1
        {
            scores[ObjectIdentifier(parent)] = max(score(of: parent), score(of: top))
            top = parent
        }
        return top
    }

    /// The main content holds most of a page's prose (teasers' summaries are not prose). When the top
    /// candidate holds under 60% of it (one of many similar sections, as on reference pages), the
    /// nearest ancestor that gathers 90% takes its place, if that is at least half as much again and
    /// link-poor.
    private func widened(_ top: HTMLNode, paragraphs: [HTMLBlock]) -> HTMLNode {
        var prose: [ObjectIdentifier: Int] = [:]
        for paragraph in paragraphs
        where paragraph.length >= 25 && paragraph.linkDensity < 0.5 && !isInTeaserList(paragraph.owner) {
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

    /// The top candidate and the siblings that score at least a fifth of it, or read as prose; never
    /// a list of teasers.
    private func withSiblings(_ top: HTMLNode) -> [HTMLNode] {
        guard top !== root, let parent = top.parent else { return [top] }
        let topScore = score(of: top)
        let threshold = max(10, topScore * 0.2)
        let topClass = top["class"] ?? ""
        var selected: [HTMLNode] = []
        for sibling in parent.children {
            if sibling === top {
                selected.append(sibling)
                continue
            }
            guard sibling.isElement, !teaserLists.contains(ObjectIdentifier(sibling)) else { continue }
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
                    && (text.hasSuffix(".") || text.contains(". "))
                {
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
            current.children.filter({ $0.isElement || $0.textLength > 0 }).count == 1, only.isElement
        {
            if let value = scores[ObjectIdentifier(only)] { best = max(best, value) }
            current = only
        }
        return best
    }

    /// The page's headline: the h1 that repeats the title, else the only h1.
    private func headline() -> HTMLNode? {
        let headings = root.descendantsAndSelf.filter { $0.name == "h1" }
        if let title, !title.isEmpty {
            let wanted = HTMLExtractor.comparable(title)
            if let match = headings.first(where: { HTMLExtractor.comparable($0.textContent) == wanted }) { return match }
        }
        return headings.count == 1 ? headings[0] : nil
    }

    /// Where the headline points: the container of the first paragraph of prose after it, and that
    /// container's ancestors up to the one it shares with the headline. The article starts there,
    /// whatever grid of teasers or dense notice comes further down the page.
    private func pointedAt(_ paragraphs: [HTMLBlock]) -> Set<ObjectIdentifier> {
        guard let headline = headline() else { return [] }
        var after = false
        for paragraph in paragraphs {
            let owner = paragraph.owner
            if owner === headline || owner.isDescendant(of: headline) {
                after = true
                continue
            }
            guard after, paragraph.kind == .paragraph, paragraph.length >= 80, paragraph.linkDensity < 0.3,
                !isInTeaserList(owner)
            else { continue }
            var chain: Set<ObjectIdentifier> = []
            var node: HTMLNode? = paragraph.isLoose ? owner : owner.parent
            while let current = node, current !== root, current.name != "#document", chain.count < 6 {
                chain.insert(ObjectIdentifier(current))
                if headline.isDescendant(of: current) { break }
                node = current.parent
            }
            return chain
        }
        return []
    }

    /// Whether `node` is, or sits in, a teaser of a list of teasers.
    func isInTeaserList(_ node: HTMLNode) -> Bool {
        guard !teaserLists.isEmpty else { return false }
        return ([node] + Array(node.ancestors.prefix(6))).contains { teaserLists.contains(ObjectIdentifier($0)) }
    }

    private func hasBlockChildren(_ node: HTMLNode) -> Bool {
        node.children.contains { $0.isElement && HTMLText.blockElements.contains($0.name) }
    }
}
