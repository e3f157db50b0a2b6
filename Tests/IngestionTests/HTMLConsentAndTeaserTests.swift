import Foundation
import Testing

@testable import Ingestion

/// The extractor on the pages that fool main-content scoring: consent and cookie notices (whose text
/// is long, dense and link-poor), teaser blocks around a short article, and an article split across
/// sibling blocks. The fixtures are in Tests/Fixtures/web (see its README.md).
@Suite("HTML extraction: consent notices, teasers, split articles")
struct HTMLConsentAndTeaserTests {
    func extract(fixture name: String) throws -> HTMLArticle {
        let bytes = ExtractionFixtures.bytes("web/\(name)")
        #expect(!bytes.isEmpty, "missing fixture web/\(name)")
        return try HTMLExtractor.extract(html: bytes, declaredCharset: nil, url: nil)
    }

    func extract(_ html: String) throws -> HTMLArticle {
        try HTMLExtractor.extract(html: Array(html.utf8), declaredCharset: nil, url: nil)
    }

    func expect(_ text: String, keeps kept: [String], drops dropped: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for phrase in kept { #expect(text.contains(phrase), "lost \(phrase)", sourceLocation: sourceLocation) }
        for phrase in dropped { #expect(!text.contains(phrase), "kept \(phrase)", sourceLocation: sourceLocation) }
    }

    @Test func consentNoticesAroundALongArticleAreDropped() throws {
        let article = try extract(fixture: "consent-banner-en.html")
        #expect(article.title == "The repair café that fixed four hundred toasters")
        #expect(
            article.text.hasPrefix("On the first Saturday of every month, the old parish hall on Mill Street fills with broken things."))
        #expect(article.text.hasSuffix("Bring the broken thing, its cable and, if you still have it, the manual."))
        expect(
            article.text,
            keeps: [
                "The repair café started four years ago with three volunteers and one soldering iron.",
                "four hundred and twelve of them toasters",
                "It has since offered the hall free of charge and paid for a second workbench.",
            ],
            drops: [
                "cookie", "partners", "We value your privacy", "I accept", "More options", "Got it", "Privacy settings",
                "third-party platform", "Accept and show video", "In brief", "Bridge works",
            ])
        #expect(article.text.components(separatedBy: "\n\n").count == 8)
    }

    @Test func consentNoticeOverAPageHiddenBehindItLeavesThePost() throws {
        // The page is marked aria-hidden while the notice is open; the notice alone must not be the result.
        let article = try extract(fixture: "consent-modal-pt.html")
        let paragraphs = article.text.components(separatedBy: "\n\n")
        #expect(paragraphs.count == 3)
        #expect(paragraphs.first?.hasPrefix("Escolha dois ou três tomates bem maduros") == true)
        #expect(paragraphs.last?.hasSuffix("Assim duram quatro ou cinco anos.") == true)
        expect(
            article.text, keeps: ["As sementes boas afundam, as ocas ficam a boiar."],
            drops: [
                "Utilizamos cookies", "Aceitar todos", "Rejeitar", "Definições", "Categorias", "Arquivo", "Artigos recentes",
                "Política de privacidade",
            ])
    }

    @Test(
        "teasers around a short article are dropped",
        arguments: [
            (
                "teasers-pt.html",
                [
                    "As três bibliotecas municipais de Vila Serena passam a funcionar até as 21h",
                    "Para cobrir o novo horário, serão contratados doze auxiliares.",
                    "O cartão da biblioteca continua gratuito e pode ser feito em qualquer unidade com um documento com foto.",
                ],
                [
                    "Leia também", "Concurso para bibliotecário", "Feira do livro", "Editoras da região", "Câmara aprova",
                    "há 2 horas", "Mais lidas", "Racionamento", "Ônibus noturno", "Os trajetos ligam", "Leia mais notícias",
                ]
            ),
            (
                "teasers-en.html",
                [
                    "Sleeper services between the capital and the northern coast will run again from 20 June",
                    "bicycles can be carried free if booked in advance.",
                ],
                [
                    "More from Travel", "Island ferries", "The extra crossing", "We compared the pass", "Read more",
                    "You may also like", "Energy bills", "The cap drops", "comet", "Published 3 May 2026",
                ]
            ),
        ])
    func teasersAroundAShortArticle(fixture: String, kept: [String], dropped: [String]) throws {
        let article = try extract(fixture: fixture)
        expect(article.text, keeps: kept, drops: dropped)
        // Each kept phrase is from one paragraph of the article, and there is nothing else.
        #expect(article.text.components(separatedBy: "\n\n").count == kept.count)
    }

    @Test func articleSplitAcrossSiblingBlocksIsKeptWhole() throws {
        let article = try extract(fixture: "split-article-pt.html")
        let parts = [
            "A partir de 1º de julho, a coleta seletiva passa a atender todos os bairros da cidade",
            "Como separar", "Não é preciso separar cada material", "Vidros quebrados vão embrulhados em jornal",
            "Dias e horários", "O calendário de cada rua", "Os sacos devem ser colocados na calçada",
            "Cooperativas", "Todo o material recolhido vai para as quatro cooperativas",
            "Dúvidas podem ser enviadas pelo telefone 156",
        ]
        var rest = Substring(article.text)
        for part in parts {
            guard let range = rest.range(of: part) else {
                Issue.record("\(part) missing or out of order")
                continue
            }
            rest = rest[range.upperBound...]
        }
        expect(
            article.text, keeps: [],
            drops: [
                "Publicidade", "Leia também", "Mapa mostra", "Receba as notícias", "Cadastre seu e-mail", "Quero receber",
            ])
    }

    @Test func anArticleAboutCookiesKeepsItsText() throws {
        let paragraphs = [
            "The data protection authority fined three news sites on Monday for cookie banners that made refusing harder than accepting.",
            "Under the guidance, a site that asks visitors to accept cookies must offer a button to reject them on the same screen, with the same size and colour.",
            "Publishers said they would change their banners within a month, although two of them plan to appeal against the size of the fines.",
            "Privacy groups welcomed the decision and said they had filed similar complaints against forty other sites in the past year.",
        ]
        let html = """
            <html><body><div class="notice-bar">We use cookies to improve your experience and to show you relevant ads.
            By continuing to browse, you accept our cookie policy. <a href="#">Accept</a> <a href="/cookies">Settings</a></div>
            <div class="story"><h1>Regulator fines sites over cookie banners</h1>
            \(paragraphs.map { "<p>\($0)</p>" }.joined())</div></body></html>
            """
        let text = try extract(html).text
        #expect(text == paragraphs.joined(separator: "\n\n"))
    }

    @Test func aPageOfNothingButANoticeIsNotReducedToIt() throws {
        let notice = """
            <div class="bar">This website uses cookies to give you the best experience. By continuing to browse, you agree
            to our use of cookies and our privacy policy.<a href="#">OK</a></div>
            """
        let post = "Our shop is closed on Monday for the regional holiday; it opens again on Tuesday at nine, as usual."
        #expect(try extract("<html><body>\(notice)<div class='main'><p>\(post)</p></div></body></html>").text == post)
        #expect(!(try extract("<html><body>\(notice)</body></html>").text.contains("cookies")))
    }

    @Test(
        "consent notice text",
        arguments: [
            ("This website uses cookies to ensure you get the best experience on our website. Learn more", true),
            (
                "We and our partners store and/or access information on a device, such as cookies, and process personal data with your consent.",
                true
            ),
            (
                "Utilizamos cookies para melhorar a sua experiência. Ao continuar a navegar, você concorda com a nossa política de privacidade.",
                true
            ),
            ("Este site usa cookies para personalizar conteúdo e anúncios. Clique em Aceitar todos para concordar com o seu uso.", true),
            (
                "Usamos cookies propias y de terceros para mejorar su experiencia. Si continúa navegando, acepta nuestra política de cookies.",
                true
            ),
            (
                "Ce site utilise des cookies pour améliorer votre expérience. En cliquant sur Accepter, vous consentez à leur utilisation.",
                true
            ),
            (
                "Wir verwenden Cookies, um Ihre Erfahrung zu verbessern. Mit Klick auf Akzeptieren stimmen Sie der Datenschutzerklärung zu.",
                true
            ),
            ("To watch this video you need to accept marketing cookies from the platform that hosts it.", true),
            ("Bake the cookies for twelve minutes, until the edges are golden, then let them cool on a rack.", false),
            ("Regulators said sites that use cookies for advertising must ask for consent before setting them.", false),
            ("Você pode comprar os biscoitos na padaria da esquina, que abre às sete horas da manhã.", false),
            ("Subscribe to our newsletter for the week's best stories, delivered every Friday morning.", false),
        ])
    func noticeText(text: String, isNotice: Bool) {
        #expect(HTMLConsent.isNoticeText(text) == isNotice)
    }

    @Test func aListArticleIsNotTakenForTeasers() throws {
        // Linked headlines with short notes, but the links lead out of the site: the list is the article.
        let items = (1...6).map { number in
            "<div class='pick'><h3><a href='https://shop\(number).example/item'>Pick number \(number): a sturdy folding chair</a></h3>"
                + "<p>Chair \(number) is light, cheap and easy to store, with a frame that survived a whole summer outdoors.</p></div>"
        }
        let html = """
            <html><head><link rel="canonical" href="https://www.picks.example/chairs"></head><body>
            <div class="post"><h1>Six folding chairs worth buying</h1>
            <p>We sat on twenty chairs over three months; these six were the ones we would buy again, for the garden or the balcony.</p>
            \(items.joined())</div><div class="more"><h2>Related</h2><ul><li><a href="/tables">Folding tables we like</a></li>
            <li><a href="/stools">The best step stools</a></li><li><a href="/benches">Garden benches</a></li></ul></div></body></html>
            """
        let text = try extract(html).text
        #expect(text.hasPrefix("We sat on twenty chairs over three months;"))
        for number in 1...6 { #expect(text.contains("Chair \(number) is light, cheap and easy to store")) }
        #expect(!text.contains("Folding tables we like"))
    }

    @Test(
        "labels of teaser sections",
        arguments: [
            ("Related stories", true), ("Leia também:", true), ("Mais lidas", true), ("Te puede interesar", true),
            ("You may also like", true), ("More from Travel", true), ("What changed", false), ("Leia com atenção", false),
            ("Related research on the same question, published this year in three journals by the same group", false),
        ])
    func teaserLabels(label: String, isLabel: Bool) {
        #expect(HTMLTeasers.isLabel(label) == isLabel)
    }

    @Test func siteTeaserListsNeedLinksWithinTheSite() {
        #expect(HTMLTeasers.isWithin("/news/a", site: nil))
        #expect(HTMLTeasers.isWithin("https://www.gazette.example/a", site: "gazette.example"))
        #expect(HTMLTeasers.isWithin("https://sport.gazette.example/a", site: "gazette.example"))
        #expect(!HTMLTeasers.isWithin("https://shop.example/a", site: "gazette.example"))
        #expect(!HTMLTeasers.isWithin("https://shop.example/a", site: nil))
        #expect(HTMLTeasers.host("//cdn.example.com/x") == "cdn.example.com")
        #expect(HTMLTeasers.host("relative/path") == nil)
    }
}
