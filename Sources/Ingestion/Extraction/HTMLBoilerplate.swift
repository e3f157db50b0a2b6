import Foundation

/// General signs that an element is page furniture rather than content: its tag, its ARIA role, its
/// visibility, and the words of its `class` and `id`. No rule here names a site.
enum HTMLBoilerplate {
    /// Elements that never hold article text.
    static let alwaysRemoved: Set<String> = HTMLBlock.invisibleElements.union([
        "button", "input", "nav", "aside", "dialog", "menu", "label", "fieldset", "legend", "optgroup",
    ])

    /// ARIA roles of navigation and chrome.
    static let boilerplateRoles: Set<String> = [
        "navigation", "menu", "menubar", "complementary", "alert", "alertdialog", "dialog", "banner",
        "contentinfo", "search", "toolbar", "tablist", "button",
    ]

    /// Words in a class or id that mark an element as furniture whatever else they say.
    static let strongTokens: Set<String> = [
        "cookie", "cookies", "consent", "gdpr", "newsletter", "newsletters", "subscribe", "subscription", "signup",
        "related", "relatedposts", "recommended", "recommendation", "recommendations", "outbrain", "taboola",
        "promo", "promos", "promotion", "advert", "advertisement", "advertising", "ad", "ads", "adsense", "adslot",
        "adunit", "adsbygoogle", "dfp", "doubleclick", "sponsor", "sponsored", "paywall", "popup", "modal",
        "overlay", "lightbox", "breadcrumb", "breadcrumbs", "comment", "comments", "disqus", "respond", "replies",
        "skyscraper", "shoutbox", "agegate", "donate", "donation", "publicidade", "publicidad", "publicité", "publicite",
        "pubblicità", "pubblicita", "anuncio", "anuncios", "werbung",
    ]

    /// Prefixes of class or id words with the same meaning (`commentlist`, `cookiebar`), except
    /// `commentary`, which names opinion pieces.
    static let strongPrefixes = [
        "cookie", "consent", "newsletter", "subscri", "recommend",
        "outbrain", "taboola", "advert", "sponsor", "paywall", "popup", "breadcrumb", "comment", "disqus",
    ]

    static func isStrongWord(_ token: String) -> Bool {
        if token.hasPrefix("commentar") { return false }
        return strongTokens.contains(token) || strongPrefixes.contains(where: token.hasPrefix)
    }

    /// Words that usually mark furniture, unless the element also says it is content or holds a lot
    /// of link-poor text.
    static let weakTokens: Set<String> = [
        "header", "footer", "foot", "masthead", "banner", "menu", "nav", "navbar", "navigation", "sidebar",
        "pagination", "pager", "widget", "widgets", "tags", "tag", "toolbar", "tools", "meta", "byline",
        "author", "dateline", "timestamp", "date", "print", "rss", "combx", "community", "extra", "legends",
        "remark", "supplemental", "topbar", "subnav", "skip", "hidden", "hide", "login", "signin",
        "search", "trending", "popular", "more", "next", "prev", "previous", "bio", "caption", "credit",
    ]

    static let weakPrefixes = ["sidebar", "navbar", "footer", "header", "pagination", "trending"]

    /// Words that raise a candidate's score (Readability's list).
    static let positiveTokens: Set<String> = [
        "article", "articles", "body", "content", "main", "post", "entry", "hentry", "story", "text", "blog",
        "column", "page", "prose", "richtext",
    ]

    /// Words that keep an element with a furniture word from being removed by it (`main-header-article`).
    /// Narrower than `positiveTokens`: "post" and "page" also name likes, meta and pagination bars.
    static let protectingTokens: Set<String> = [
        "article", "articles", "body", "content", "main", "story", "text", "column", "prose", "richtext",
    ]

    /// Words that name share bars but also wrappers of embedded posts (`social-media-embed`): the
    /// element goes only when it is short or mostly links.
    static let socialTokens: Set<String> = ["share", "shares", "sharing", "sharebar", "social", "socials"]
    static let socialPrefixes = ["sharethis", "sharing", "social"]

    enum Verdict { case content, weak, social, strong }

    /// The strongest furniture sign in `node`'s class and id. A furniture word in a state class
    /// (`sd-sharing-enabled`, `modal-enabled`) is only a weak sign.
    static func verdict(_ node: HTMLNode) -> Verdict {
        let tokens = node.classTokens
        guard !tokens.isEmpty || !node.stateTokens.isEmpty else { return .content }
        if tokens.contains(where: isStrongWord) { return .strong }
        if tokens.contains(where: { socialTokens.contains($0) || socialPrefixes.contains(where: $0.hasPrefix) }) {
            return .social
        }
        if tokens.contains(where: { weakTokens.contains($0) || weakPrefixes.contains(where: $0.hasPrefix) }) {
            return .weak
        }
        let furnitureWords = strongTokens.union(socialTokens).union(weakTokens)
        if node.stateTokens.contains(where: { furnitureWords.contains($0) || isStrongWord($0) }) {
            return .weak
        }
        return .content
    }

    /// Words of image, gallery and caption wrappers.
    static let figureTokens: Set<String> = [
        "image", "images", "img", "photo", "photos", "picture", "figure", "gallery", "slideshow", "carousel",
        "thumbnail", "thumb", "caption", "credit", "credits",
    ]

    /// An image with its caption or credit: a `figcaption`, or an element named like an image wrapper
    /// that holds an image and under 300 characters of text. Captions are not the article's prose.
    static func isFigureFurniture(_ node: HTMLNode) -> Bool {
        if node.name == "figcaption" { return true }
        guard node.textLength < 300, node.classTokens.contains(where: { figureTokens.contains($0) }) else { return false }
        if node.classTokens.contains(where: { $0 == "caption" || $0 == "credit" || $0 == "credits" }) { return true }
        return node.firstElement(named: "img") != nil || node.firstElement(named: "picture") != nil
    }

    /// Named like a comment section.
    static func isComments(_ node: HTMLNode) -> Bool {
        node.classTokens.contains {
            ($0.hasPrefix("comment") && !$0.hasPrefix("commentar")) || $0 == "disqus" || $0 == "replies" || $0 == "respond"
        }
    }

    static func isPositive(_ node: HTMLNode) -> Bool {
        node.classTokens.contains { protectingTokens.contains($0) }
    }

    /// Hidden by attribute or inline style, or text only screen readers get ("opens in a new window").
    static func isHidden(_ node: HTMLNode) -> Bool {
        if node["hidden"] != nil { return true }
        if node.name == "a", node["href"]?.hasPrefix("#") == true, node.classTokens.contains("skip") { return true }
        if let classes = node["class"]?.lowercased(),
            ["sr-only", "visually-hidden", "visuallyhidden", "screen-reader", "screenreader"].contains(where: classes.contains)
        {
            return true
        }
        if node["aria-hidden"]?.lowercased() == "true" { return true }
        if let style = node["style"]?.lowercased().filter({ $0 != " " }),
            style.contains("display:none") || style.contains("visibility:hidden")
        {
            return true
        }
        return false
    }

    /// A newsletter or sign-up box: a little text around a form that asks for an e-mail address.
    static func isSignupBox(_ node: HTMLNode) -> Bool {
        guard node.textLength <= 250, node.name != "body", node.name != "input" else { return false }
        return node.descendantsAndSelf.contains { input in
            guard input.name == "input" else { return false }
            let fields = [input["type"], input["name"], input["placeholder"], input["autocomplete"]]
                .compactMap { $0?.lowercased() }
            return fields.contains { $0 == "email" || $0.contains("e-mail") || $0.contains("email") }
        }
    }

    /// The whole text of an advertisement's label ("Advertisement", "Publicidade"): never content.
    static let adLabels: Set<String> = [
        "advertisement", "advertisment", "advert", "ad", "ads", "sponsored", "sponsored content", "paid content",
        "publicidade", "publicidad", "anúncio", "anuncio", "patrocinado", "conteúdo patrocinado", "contenido patrocinado",
        "publicité", "werbung", "anzeige", "pubblicità", "реклама",
    ]

    static func isAdLabel(_ text: String) -> Bool {
        let line = text.lowercased().trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        return line.count <= 24 && adLabels.contains(line)
    }

    static func hasBoilerplateRole(_ node: HTMLNode) -> Bool {
        guard let role = node["role"]?.lowercased() else { return false }
        return role.split(separator: " ").contains { boilerplateRoles.contains(String($0)) }
    }

    /// Readability's class weight: +25 for a content word, −25 for a furniture word, for the class and
    /// for the id.
    static func classWeight(_ node: HTMLNode) -> Double {
        var weight = 0.0
        for tokens in [node.classNameTokens, node.idTokens] where !tokens.isEmpty {
            let negative = tokens.contains {
                isStrongWord($0) || weakTokens.contains($0) || weakPrefixes.contains(where: $0.hasPrefix)
                    || negativeWeightTokens.contains($0)
            }
            if negative { weight -= 25 }
            if tokens.contains(where: { positiveTokens.contains($0) }) { weight += 25 }
        }
        return weight
    }

    /// Further words that lower a candidate's score without removing it.
    static let negativeWeightTokens: Set<String> = [
        "contact", "footnote", "media", "scroll", "shopping", "tool", "widget", "aside", "card", "teaser",
    ]
}
