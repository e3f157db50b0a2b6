/// What happens to the content once chosen: conditional cleaning of what looks like furniture inside
/// it, then filtering of the rendered blocks.
extension HTMLMainContent {
    // MARK: - Cleaning the content

    static let conditionallyCleaned: Set<String> = ["div", "section", "table", "ul", "ol", "dl", "figure", "form", "header", "footer"]

    /// Readability's conditional cleaning: inside the content, drops lists, tables and divisions that
    /// look like furniture (negative weight, link-heavy, image galleries, forms, tiny fragments).
    func cleanConditionally(_ content: HTMLNode) {
        content.measure()
        let candidates = content.descendantsAndSelf.filter { $0 !== content && Self.conditionallyCleaned.contains($0.name) }
        for node in candidates.reversed() where node.isDescendant(of: content) {
            if shouldClean(node, in: content) { node.remove() }
        }
    }

    func shouldClean(_ node: HTMLNode, in content: HTMLNode) -> Bool {
        node.measure()
        // Teasers inside the content are furniture, unless the headline points into them or, when
        // there is no headline to follow, they are most of it (a list article).
        if teaserLists.contains(ObjectIdentifier(node)) && !pointed.contains(ObjectIdentifier(node))
            && (!pointed.isEmpty || Double(node.textLength) < 0.5 * Double(content.textLength))
        {
            return true
        }
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
    func filter(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        let linked = linkFiltered(HTMLConsent.withoutNotices(blocks))
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
            !block.owner.ancestors.contains(where: { $0.name == "blockquote" })
        else { return false }
        let scalars = Array(block.text.unicodeScalars)
        func digit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        for index in scalars.indices {
            // A four-digit year 1900–2099 standing alone.
            if index + 3 < scalars.count, !digit(index - 1), !digit(index + 4),
                (scalars[index] == "1" && scalars[index + 1] == "9") || (scalars[index] == "2" && scalars[index + 1] == "0"),
                digit(index + 2), digit(index + 3)
            {
                return true
            }
            // A time of day, 9:41 or 17:45.
            if scalars[index] == ":", digit(index - 1), digit(index + 1), digit(index + 2), !digit(index + 3) {
                return true
            }
        }
        return false
    }

    func linkFiltered(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        blocks.filter { block in
            if block.length == 0 || HTMLBoilerplate.isAdLabel(block.text) { return false }
            if block.linkDensity >= 0.5 && block.length < 300 { return false }
            return true
        }
    }
}
