import Foundation

/// One block of rendered text: a paragraph, heading, list item or preformatted run, with the element
/// it came from. Main-content selection scores blocks and writes out the ones it keeps.
struct HTMLBlock {
    enum Kind: Equatable {
        case paragraph
        case heading(Int)
        case listItem, preformatted
    }

    var kind: Kind
    /// The text, whitespace collapsed; `<br>` line breaks kept as `\n`.
    var text: String
    /// Non-space characters of the text, and of the part of it inside links.
    var length: Int
    var linkLength: Int
    /// The innermost block element around the text.
    let owner: HTMLNode
    /// Whether the text sits loose in an element that also holds other blocks (as in
    /// `<div>text<p>…</p></div>`), rather than being the whole content of `owner`.
    let isLoose: Bool

    var linkDensity: Double { length == 0 ? 0 : Double(linkLength) / Double(length) }

    /// Renders the text below `roots` into blocks, in document order.
    static func render(_ roots: [HTMLNode]) -> [HTMLBlock] {
        var renderer = Renderer()
        for root in roots {
            renderer.start(owner: root, kind: kind(of: root, inherited: .paragraph))
            renderer.visitChildren(of: root, inLink: root.isLink || root.ancestors.contains(where: \.isLink), inPre: root.name == "pre")
            renderer.flush()
        }
        return renderer.blocks
    }

    /// Cells of one table row, each a short single line, joined into one block `a | b | c`, so a data
    /// table reads a row per line. Layout tables (long or multi-line cells) are left alone.
    static func joiningTableRows(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        func row(_ block: HTMLBlock) -> HTMLNode? {
            guard block.owner.name == "td" || block.owner.name == "th", !block.isLoose, block.length < 200,
                !block.text.contains("\n"), let parent = block.owner.parent, parent.name == "tr"
            else { return nil }
            return parent
        }
        var result: [HTMLBlock] = []
        for block in blocks {
            if let current = row(block), let last = result.last, last.owner.parent === current,
                last.kind == .paragraph, row(last) != nil || last.text.contains(" | ")
            {
                result[result.count - 1].text += " | " + block.text
                result[result.count - 1].length += block.length
                result[result.count - 1].linkLength += block.linkLength
            } else {
                result.append(block)
            }
        }
        return result
    }

    /// What a block element makes of its text; paragraphs inside a list item stay list items.
    static func kind(of element: HTMLNode, inherited: Kind) -> Kind {
        switch element.name {
        case "h1": .heading(1)
        case "h2": .heading(2)
        case "h3": .heading(3)
        case "h4": .heading(4)
        case "h5": .heading(5)
        case "h6": .heading(6)
        case "li", "dt", "dd": .listItem
        case "pre", "listing", "xmp", "plaintext": .preformatted
        default: inherited == .listItem ? .listItem : .paragraph
        }
    }

    /// Elements whose content is never text a reader sees.
    static let invisibleElements: Set<String> = [
        "script", "style", "noscript", "template", "head", "title", "svg", "math", "iframe", "object", "embed",
        "canvas", "select", "textarea", "option", "datalist", "video", "audio", "map", "frameset", "meta", "link",
    ]

    private struct Renderer {
        var blocks: [HTMLBlock] = []
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var pendingSpace = false
        var length = 0
        var linkLength = 0
        var owner = HTMLNode(element: "#none")
        var kind = Kind.paragraph

        mutating func start(owner: HTMLNode, kind: Kind) {
            self.owner = owner
            self.kind = kind
        }

        mutating func visitChildren(of element: HTMLNode, inLink: Bool, inPre: Bool) {
            for child in element.children { visit(child, inLink: inLink, inPre: inPre) }
        }

        mutating func visit(_ node: HTMLNode, inLink: Bool, inPre: Bool) {
            if node.isText {
                append(node.text, inLink: inLink, inPre: inPre)
                return
            }
            let name = node.name
            if HTMLBlock.invisibleElements.contains(name) || (name == "a" && node.isPermalink) { return }
            if name == "br" {
                breakLine()
                return
            }
            let link = inLink || node.isLink
            let pre = inPre || name == "pre" || name == "listing" || name == "xmp" || name == "plaintext"
            if HTMLText.blockElements.contains(name) {
                flush()
                let saved = (owner, kind)
                start(owner: node, kind: HTMLBlock.kind(of: node, inherited: kind))
                visitChildren(of: node, inLink: link, inPre: pre)
                flush()
                start(owner: saved.0, kind: saved.1)
            } else {
                if name == "img" || name == "input" {
                    pendingSpace = !line.isEmpty
                    return
                }
                visitChildren(of: node, inLink: link, inPre: pre)
            }
        }

        mutating func append(_ text: String, inLink: Bool, inPre: Bool) {
            for scalar in text.unicodeScalars {
                if HTMLText.isInvisible(scalar) { continue }
                if inPre && scalar == "\n" {
                    breakLine()
                    continue
                }
                if HTMLText.isSpace(scalar) {
                    if inPre && scalar != "\r" { line.append(scalar) } else { pendingSpace = !line.isEmpty }
                    continue
                }
                if pendingSpace {
                    line.append(" ")
                    pendingSpace = false
                }
                line.append(scalar)
                length += 1
                if inLink { linkLength += 1 }
            }
        }

        mutating func breakLine() {
            lines.append(String(line))
            line = String.UnicodeScalarView()
            pendingSpace = false
        }

        mutating func flush() {
            breakLine()
            defer {
                lines = []
                length = 0
                linkLength = 0
            }
            guard length > 0 else { return }
            var kept = lines.map { line in
                var line = line
                while line.last == " " { line.removeLast() }
                return line
            }
            if kind != .preformatted { kept = kept.filter { !$0.isEmpty } }
            while kept.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { kept.removeFirst() }
            while kept.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { kept.removeLast() }
            let loose = owner.children.contains { $0.isElement && HTMLText.blockElements.contains($0.name) }
            blocks.append(
                HTMLBlock(
                    kind: kind, text: kept.joined(separator: "\n"), length: length, linkLength: linkLength,
                    owner: owner, isLoose: loose))
        }
    }
}
