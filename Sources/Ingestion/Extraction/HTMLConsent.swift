import Foundation

/// Cookie and consent notices, and the overlays that carry them. They are never content, yet their
/// text is long, full of commas and free of links, so scoring alone can take them for the article; they
/// are removed in every pass, by their markup and by what they say (English, Portuguese, Spanish, and
/// the commonest French, German, Italian, Dutch, Russian and Indonesian wording).
enum HTMLConsent {
    // MARK: - Markup

    /// Class and id words of consent managers and cookie notices, as prefixes (`cookiebar`,
    /// `onetrust-banner-sdk`) and, where a prefix would catch other words (`trusted`), whole. A bare
    /// `cmp` is not among them: it is also the prefix of a common component library (`cmp-text`).
    static let markupPrefixes = [
        "cookie", "consent", "gdpr", "onetrust", "optanon", "didomi", "usercentrics", "quantcast", "iubenda", "cmplz",
        "complianz", "tarteaucitron", "axeptio", "borlabs", "sourcepoint", "termly",
    ]
    static let markupWords: Set<String> = [
        "rgpd", "lgpd", "ccpa", "truste", "trustarc", "osano", "evidon", "cmp2", "cmpbox", "cmpwrapper", "klaro",
    ]

    /// Named (class, id, or a custom element such as `amp-consent`), or labelled for screen readers, as
    /// a consent notice.
    static func isMarkedNotice(_ node: HTMLNode) -> Bool {
        if node.name.contains("cookie") || node.name.contains("consent") || node.name == "amp-user-notification" { return true }
        let named = node.classTokens.contains { token in
            markupWords.contains(token) || markupPrefixes.contains(where: token.hasPrefix)
        }
        if named { return true }
        guard HTMLText.blockElements.contains(node.name), let label = node["aria-label"]?.lowercased() else { return false }
        return label.contains("cookie") || label.contains("consent") || label.contains("privacy")
    }

    /// A modal or a fixed-position layer: dialogs, banners and sticky bars, never the article itself
    /// (the caller keeps one that holds much of the page's text, as a page locked behind a dialog can).
    static func isOverlay(_ node: HTMLNode) -> Bool {
        if node["aria-modal"]?.lowercased() == "true" { return true }
        guard let style = node["style"]?.lowercased().filter({ $0 != " " }) else { return false }
        return style.contains("position:fixed")
    }

    /// Holds what only an article has: the page's headline, an `<article>` or `<main>`, the marked body.
    static func holdsHeadline(_ node: HTMLNode) -> Bool {
        node.descendantsAndSelf.contains {
            $0.name == "h1" || $0.name == "article" || $0.name == "main" || $0["itemprop"] == "articleBody"
        }
    }

    /// Hidden from screen readers only while a dialog is open: scripts of modal dialogs set
    /// `aria-hidden` on the rest of the page, which stays on screen behind the dialog. An element so
    /// marked that holds the headline (an h1, `<main>`: not an `<article>`, which may be a teaser in a
    /// carousel's hidden slide), or much of the page's link-poor text, is that page, not hidden furniture.
    static func isPageBehindDialog(_ node: HTMLNode, pageText: Int) -> Bool {
        guard node["aria-hidden"]?.lowercased() == "true", node["hidden"] == nil else { return false }
        let style = (node["style"] ?? "").lowercased().filter { $0 != " " }
        guard !style.contains("display:none"), !style.contains("visibility:hidden") else { return false }
        if Double(node.textLength) >= 0.3 * Double(pageText) && node.linkDensity < 0.5 { return true }
        return node.descendantsAndSelf.contains { $0.name == "h1" || $0.name == "main" || $0["itemprop"] == "articleBody" }
    }

    // MARK: - Text

    /// Words that start a phrase about using or accepting cookies ("we use cookies", "aceitar os cookies").
    static let useVerbs: Set<String> = [
        "use", "uses", "using", "utiliza", "utilizamos", "utilizam", "utilizan", "usamos", "usa", "usam", "usan",
        "utilise", "utilisons", "utilisent", "verwendet", "verwenden", "nutzt", "nutzen", "utilizza", "utilizziamo",
        "usiamo", "gebruikt", "gebruiken", "использует", "используем", "используются", "menggunakan", "set", "sets",
        "store", "stores", "place", "places",
    ]
    static let acceptStems = [
        "accept", "aceit", "acept", "accett", "akzept", "allow", "agree", "concord", "consent", "permit", "akkoord", "menerima",
    ]

    /// Phrases that only notices use.
    static let noticePhrases = [
        "we and our partners", "we and our vendors", "nós e os nossos parceiros", "nós e nossos parceiros",
        "nosotros y nuestros socios", "by continuing to", "ao continuar a navegar", "ao continuar navegando",
        "al continuar navegando", "en poursuivant votre navigation", "by clicking", "ao clicar", "al hacer clic",
        "en cliquant", "personal data", "dados pessoais", "datos personales", "données personnelles",
        "legitimate interest", "interesse legítimo", "interés legítimo", "intérêt légitime",
    ]

    /// Stems of the words notices are made of; `subject` ones say what the notice is about.
    static let subjectStems = [
        "cookie", "consent", "privac", "gdpr", "rgpd", "lgpd", "dsgvo", "datenschutz", "tracker", "куки", "конфиденциальн",
        "persetujuan",
    ]
    static let vocabularyStems =
        subjectStems + [
            "partner", "parceir", "socios", "vendor", "accept", "aceit", "acept", "accett", "akzept", "agree", "concord",
            "reject", "rejeit", "recus", "rechaz", "refus", "declin", "ablehn", "setting", "definiç", "configur",
            "einstell", "paramètr", "preferen", "préféren", "personalis", "personaliz", "tracking", "advertis",
            "publicid", "publicit", "analytic", "policy", "policies", "polític", "politique", "dispositiv", "device", "navega",
            "browsing", "согла", "персональн", "kebijakan",
        ]

    /// Words that address the reader: notices ask "you"; articles about cookies rarely do.
    static let secondPerson: Set<String> = [
        "you", "your", "você", "voce", "vocês", "seu", "sua", "seus", "suas", "usted", "ustedes", "su", "sus", "tu", "tus", "te",
        "vous", "votre", "vos", "sie", "ihre", "ihr", "du", "dein", "deine", "tuo", "tua", "voi", "vostro", "u", "uw", "je",
        "jouw", "вы", "вам", "вас", "ваш", "вашего", "вашем", "anda",
    ]

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }

    /// Who uses the cookies in a notice: the site, or "we" (also as the verb's own ending: "utilizamos").
    static let siteSubjects: Set<String> = [
        "we", "site", "website", "webpage", "sitio", "página", "portal", "nós", "nosotros", "nous", "wir", "webseite",
        "noi", "sito", "situs", "сайт", "мы", "utilizamos", "usamos", "utilisons", "utilizziamo", "usiamo",
        "используем",
    ]

    /// A paragraph that reads as a consent notice. It speaks to the reader ("you": articles about
    /// cookies rarely do), and either says that the site or "we" use cookies, or asks to accept
    /// cookies or uses a phrase only notices use while drawing on at least two notice words, one of
    /// them about cookies, consent or privacy.
    static func isNoticeText(_ text: String) -> Bool {
        let words = words(text)
        guard words.count >= 6, words.count <= 250 else { return false }
        guard words.contains(where: secondPerson.contains) else { return false }
        var asks = false
        for (index, word) in words.enumerated() where word.hasPrefix("cookie") || word.hasPrefix("куки") {
            let before = words[max(0, index - 3)..<index]
            for (offset, verb) in zip(before.indices, before) where useVerbs.contains(verb) {
                let subject = words[max(0, offset - 3)..<offset]
                if siteSubjects.contains(verb) || subject.contains(where: siteSubjects.contains) { return true }
            }
            if before.contains(where: { verb in acceptStems.contains(where: verb.hasPrefix) }) { asks = true }
        }
        var stems: Set<String> = []
        for word in words {
            if let stem = vocabularyStems.first(where: word.hasPrefix) { stems.insert(stem) }
        }
        guard stems.count >= 2, stems.contains(where: subjectStems.contains) else { return false }
        let lower = text.lowercased().replacingOccurrences(of: "’", with: "'")
        return asks || noticePhrases.contains(where: lower.contains)
    }

    /// Removes notices recognised by their text: from each paragraph that reads as one, the widest
    /// ancestor made of such paragraphs and short lines (a heading, a row of buttons) goes, short of one
    /// that holds much of the page's text or the article's headline. An article that quotes a notice
    /// loses that paragraph only.
    static func removeNotices(below root: HTMLNode, pageText: Int) {
        for block in HTMLBlock.render([root]) where block.length < 1600 && isNoticeText(block.text) {
            guard block.owner === root || block.owner.isDescendant(of: root) else { continue }
            var notice: HTMLNode?
            var node: HTMLNode? = block.owner
            while let current = node, current !== root, current.name != "body" {
                guard current.textLength <= 4000, Double(current.textLength) < 0.4 * Double(pageText),
                    !holdsHeadline(current), noticeShare(current) >= 0.7
                else { break }
                notice = current
                node = current.parent
            }
            notice?.remove()
        }
    }

    /// The share of `node`'s text in notice paragraphs and in lines too short to be prose.
    static func noticeShare(_ node: HTMLNode) -> Double {
        let blocks = HTMLBlock.render([node])
        let total = blocks.reduce(0) { $0 + $1.length }
        guard total > 0 else { return 0 }
        let notice = blocks.filter { $0.length < 100 || isNoticeText($0.text) }.reduce(0) { $0 + $1.length }
        return Double(notice) / Double(total)
    }

    /// Drops notice paragraphs from a result; used on the blocks each pass finds, so that a result made
    /// of a notice alone counts as finding nothing and the next candidate gets its turn.
    static func withoutNotices(_ blocks: [HTMLBlock]) -> [HTMLBlock] {
        blocks.filter { $0.length >= 1600 || !isNoticeText($0.text) }
    }
}
