/// One node of a parsed HTML page: an element (lower-case name, attributes, children) or a run of text.
/// Built once by `HTMLDocument.tree()`; main-content selection prunes it and reads its text.
final class HTMLNode {
    /// The element name, or `#text` for text.
    let name: String
    let attributes: [String: String]
    /// The text of a text node; empty for elements.
    let text: String
    private(set) var children: [HTMLNode] = []
    private(set) weak var parent: HTMLNode?
    /// Non-space characters of text below this node, and of the part inside links; set by `measure()`.
    var textLength = 0
    var linkLength = 0

    /// Lower-case words of the `class` and `id` attributes, split at punctuation and camel case
    /// (`articleBody share-bar` → article, body, share, bar). Classes that say what an article is about
    /// (`tag-social-media`, `category-advertising`, from its tags and categories) or what a page
    /// offers (`has-comments`, `no-sidebar`) rather than what the element is are left out; classes
    /// of state (`modal-enabled`, `sd-sharing-enabled`) go to `stateTokens`, a weaker sign.
    lazy var classTokens: [String] = classWords.main + idTokens

    /// The words of the `class` attribute alone (as `classTokens` reads it), and of the `id`.
    lazy var classNameTokens: [String] = classWords.main
    lazy var idTokens: [String] = HTMLNode.tokens(of: attributes["id"] ?? "")

    /// Words of state classes such as `modal-enabled` or `menu-open`.
    lazy var stateTokens: [String] = classWords.state

    private var classWords: (main: [String], state: [String]) {
        var main: [String] = []
        var state: [String] = []
        let names = (attributes["class"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        for name in names.map(String.init) {
            let lower = name.lowercased()
            if HTMLNode.taxonomyPrefixes.contains(where: lower.hasPrefix) { continue }
            if HTMLNode.stateSuffixes.contains(where: lower.hasSuffix) {
                state += HTMLNode.tokens(of: name)
            } else {
                main += HTMLNode.tokens(of: name)
            }
        }
        return (main, state)
    }

    static let taxonomyPrefixes = [
        "tag-", "tags-", "category-", "categories-", "cat-", "topic-", "topics-", "section-", "has-", "no-", "with-",
        "without-", "is-",
    ]
    static let stateSuffixes = ["-enabled", "-disabled", "-active", "-open", "-opened", "-closed", "-visible"]

    /// Characters of a text node that show: not white space, not invisible.
    private lazy var visibleLength: Int = text.unicodeScalars.reduce(0) {
        $0 + (HTMLText.isSpace($1) || HTMLText.isInvisible($1) ? 0 : 1)
    }

    init(element name: String, attributes: [String: String] = [:]) {
        self.name = name
        self.attributes = attributes
        self.text = ""
    }

    init(text: String) {
        self.name = "#text"
        self.attributes = [:]
        self.text = text
    }

    var isText: Bool { name == "#text" }
    var isElement: Bool { !isText }

    func append(_ child: HTMLNode) {
        child.parent = self
        children.append(child)
    }

    /// Detaches this node from its parent.
    func remove() {
        guard let parent else { return }
        parent.children.removeAll { $0 === self }
        self.parent = nil
    }

    /// Keeps the children for which `keep` is true, detaching the others.
    func removeChildren(where drop: (HTMLNode) -> Bool) {
        children.removeAll { child in
            guard drop(child) else { return false }
            child.parent = nil
            return true
        }
    }

    subscript(attribute: String) -> String? { attributes[attribute] }

    var ancestors: UnfoldSequence<HTMLNode, HTMLNode?> {
        sequence(state: parent) { state in
            defer { state = state?.parent }
            return state
        }
    }

    func isDescendant(of node: HTMLNode) -> Bool { ancestors.contains { $0 === node } }

    /// This node and every node below it, in document order.
    var descendantsAndSelf: [HTMLNode] {
        var result: [HTMLNode] = []
        var stack: [HTMLNode] = [self]
        while let node = stack.popLast() {
            result.append(node)
            stack.append(contentsOf: node.children.reversed())
        }
        return result
    }

    /// The first element named `name` in document order.
    func firstElement(named name: String) -> HTMLNode? {
        var stack: [HTMLNode] = [self]
        while let node = stack.popLast() {
            if node !== self && node.name == name { return node }
            stack.append(contentsOf: node.children.reversed())
        }
        return nil
    }

    /// A link that leads away from the text: an `<a href>`, except a jump within the page (`#section`),
    /// which documentation and blogs put on headings.
    var isLink: Bool {
        guard name == "a", let href = attributes["href"] else { return false }
        return !(href.hasPrefix("#") && href.count > 1)
    }

    /// A permalink marker such as Sphinx's `¶` or rustdoc's `§`: a jump within the page whose text has
    /// no letter or digit. It is not text a reader wants.
    var isPermalink: Bool {
        guard name == "a", let href = attributes["href"], href.hasPrefix("#") else { return false }
        return !descendantsAndSelf.contains { $0.isText && $0.text.contains { $0.isLetter || $0.isNumber } }
    }

    var linkDensity: Double { textLength == 0 ? 0 : Double(linkLength) / Double(textLength) }

    /// Sets `textLength` and `linkLength` of this node and everything below it.
    func measure(inLink: Bool = false) {
        if isText {
            textLength = visibleLength
            linkLength = inLink ? textLength : 0
            return
        }
        textLength = 0
        linkLength = 0
        let link = inLink || isLink
        for child in children {
            child.measure(inLink: link)
            textLength += child.textLength
            linkLength += child.linkLength
        }
    }

    static func tokens(of raw: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var previousLower = false
        for character in raw {
            if character.isLetter || character.isNumber {
                if character.isUppercase && previousLower && !current.isEmpty {
                    tokens.append(current)
                    current = ""
                }
                current.append(contentsOf: character.lowercased())
                previousLower = character.isLowercase
            } else {
                if !current.isEmpty { tokens.append(current) }
                current = ""
                previousLower = false
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// All text below this node, whitespace collapsed to single spaces and trimmed; permalink markers
    /// left out.
    var textContent: String {
        var raw = ""
        var stack: [HTMLNode] = [self]
        while let node = stack.popLast() {
            if node.isText {
                raw += node.text
                continue
            }
            if node.name == "a" && node.isPermalink { continue }
            stack.append(contentsOf: node.children.reversed())
        }
        return HTMLText.collapse(raw)
    }
}
