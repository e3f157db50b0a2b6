import Foundation
import Testing

@testable import Ingestion

/// The HTML main-content extractor on small hand-written pages: parsing, charsets, pruning, structure,
/// titles and metadata, and its place in sniffing and `Extractors.run`.
@Suite("HTML extraction")
struct HTMLExtractionTests {
    func extract(_ html: String, charset: String? = nil, url: String? = nil) throws -> HTMLArticle {
        try HTMLExtractor.extract(html: Array(html.utf8), declaredCharset: charset, url: url)
    }

    /// Prose long enough to count as a paragraph.
    static func prose(_ topic: String) -> String {
        "The \(topic) was discussed at length, with examples, figures and a few caveats. "
            + "Readers who follow \(topic) closely will find the details useful, and the rest will find them clear."
    }

    static let article = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Harbour reopens | Daily Tide</title>
        <meta name="description" content="The harbour reopened after repairs.">
        <style>.x { color: red }</style><script>var tracking = "SCRIPT-NOISE";</script></head>
        <body>
        <header class="site-header"><a href="/">Daily Tide</a> <a href="/news">News</a></header>
        <nav><ul><li><a href="/a">Section A</a></li><li><a href="/b">Section B</a></li></ul></nav>
        <div id="cookie-banner">We use cookies to improve your experience. Accept all cookies to continue.</div>
        <main><article>
          <h1>Harbour reopens</h1>
          <div class="share-bar"><a href="/fb">Facebook</a> <a href="/tw">Twitter</a> <a href="/mail">Email</a></div>
          <p>\(prose("harbour"))</p>
          <h2>What changed</h2>
          <p>\(prose("repair"))</p>
          <ul><li>New cranes on the east quay</li><li>Deeper berths for ferries</li></ul>
          <p>\(prose("schedule"))</p>
          <noscript>NOSCRIPT-NOISE</noscript>
        </article>
        <aside class="related-articles"><h3>Related</h3><ul><li><a href="/r1">Other story one</a></li><li><a href="/r2">Other story two</a></li></ul></aside>
        <section class="comments"><p>Comment by reader: I disagree with everything in this article, strongly and at length, honestly.</p></section>
        </main>
        <footer class="site-footer"><p>© Daily Tide. All rights reserved. Contact us at the harbour office.</p></footer>
        </body></html>
        """

    @Test func boilerplateIsRemovedAndStructureKept() throws {
        let article = try extract(Self.article)
        #expect(
            article.text == """
                \(Self.prose("harbour"))

                What changed

                \(Self.prose("repair"))

                New cranes on the east quay
                Deeper berths for ferries

                \(Self.prose("schedule"))
                """)
        for noise in [
            "SCRIPT-NOISE", "color: red", "NOSCRIPT-NOISE", "cookies", "Facebook", "Section A",
            "Other story", "Comment by reader", "All rights reserved", "Daily Tide",
        ] {
            #expect(!article.text.contains(noise), "\(noise) should have been removed")
        }
    }

    @Test func metadataIsRead() throws {
        let article = try extract(Self.article)
        #expect(article.title == "Harbour reopens")
        #expect(article.description == "The harbour reopened after repairs.")
        #expect(article.language == "en")
    }

    @Test func brokenMarkupRecovers() throws {
        let html = """
            <html><body><div class="content"><p>\(Self.prose("unclosed paragraph"))
            <p>\(Self.prose("second paragraph")) <b>bold <i>and italic</b> text</i>
            Fish &amp; chips&nbsp;&nbsp;en &eacute;t&eacute; &#8212; &#x263A; &bogus; <unknown-tag>inside</unknown-tag>
            </span></div></div><p>\(Self.prose("stray closing tags"))
            """
        let article = try extract(html)
        #expect(article.text.contains(Self.prose("unclosed paragraph")))
        #expect(article.text.contains("bold and italic text Fish & chips en été — ☺ &bogus; inside\n\n"))
        #expect(article.text.hasSuffix(Self.prose("stray closing tags")))
    }

    @Test func latin1PageWithMetaCharsetDecodes() throws {
        let head = "<html><head><meta charset=\"iso-8859-1\"><title>Caf\u{E9} da manh\u{E3}</title></head><body><p>"
        let body =
            "A padaria abriu \u{E0}s seis, com p\u{E3}o, caf\u{E9} e a\u{E7}\u{FA}car; as filas foram longas, mas r\u{E1}pidas, "
            + "e os clientes sa\u{ED}ram satisfeitos com o atendimento e os pre\u{E7}os.</p></body></html>"
        let bytes = Array((head + body).unicodeScalars.map { UInt8($0.value) })
        #expect(String(validating: bytes, as: UTF8.self) == nil)
        let (article, charset) = try HTMLExtractor.extractWithCharset(html: bytes, declaredCharset: nil, url: nil)
        #expect(charset == "windows-1252")
        #expect(article.title == "Café da manhã")
        #expect(article.text.hasPrefix("A padaria abriu às seis, com pão, café e açúcar;"))
        #expect(article.text.contains("preços."))
    }

    @Test func charsetRules() {
        let ascii = Array("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"></head></html>".utf8)
        #expect(HTMLCharset.detect(ascii, declared: nil) == "WINDOWS-1252")
        #expect(HTMLCharset.detect(ascii, declared: "utf-8") == "UTF-8")  // the HTTP header wins
        #expect(HTMLCharset.detect(Array("<p>plain</p>".utf8), declared: nil) == "UTF-8")
        #expect(HTMLCharset.detect([0x3C, 0x70, 0x3E, 0xE9, 0x3C], declared: nil) == "WINDOWS-1252")
        // Valid UTF-8 with non-ASCII text is UTF-8 whatever the labels say.
        #expect(HTMLCharset.detect(Array("<meta charset=latin1><p>café</p>".utf8), declared: "iso-8859-1") == "UTF-8")
        #expect(HTMLCharset.detect([0xEF, 0xBB, 0xBF] + Array("<p>x</p>".utf8), declared: "windows-1252") == "UTF-8")
        #expect(HTMLCharset.detect(Array("<!-- <meta charset=koi8-r> --><meta charset='utf-8'>".utf8), declared: nil) == "UTF-8")
        #expect(HTMLCharset.detect(ascii, declared: "no-such-charset") == "WINDOWS-1252")
        #expect(HTMLCharset.metaCharset(Array("<META CHARSET=\"Shift_JIS\">".utf8)[...]) == "Shift_JIS")
    }

    @Test func windows1252AndInvalidUTF8AreReadWholly() throws {
        // Curly quotes and the euro sign live in 0x80–0x9F; 0x81 is undefined and must not stop the parse.
        let bytes: [UInt8] =
            Array("<p>".utf8) + [0x93] + Array("Quoted".utf8) + [0x94] + Array(" costs 5".utf8) + [0x80]
            + Array(", odd byte ".utf8) + [0x81] + Array(" and the rest of the sentence is still here.</p>".utf8)
        let article = try HTMLExtractor.extract(html: bytes, declaredCharset: nil, url: nil)
        #expect(article.text.hasPrefix("“Quoted” costs 5€, odd byte and the rest"))
        #expect(article.text.hasSuffix("the rest of the sentence is still here."))

        let broken: [UInt8] = Array("<meta charset=utf-8><p>Olá ".utf8) + [0xFF] + Array(" ainda é UTF-8 até ao fim.</p>".utf8)
        let repaired = try HTMLExtractor.extract(html: broken, declaredCharset: nil, url: nil)
        #expect(repaired.text == "Olá \u{FFFD} ainda é UTF-8 até ao fim.")
    }

    @Test func hiddenElementsAndFiguresAreDropped() throws {
        let html = """
            <body><div class="post-body"><p>\(Self.prose("visible"))</p>
            <div style="display: none">HIDDEN-STYLE</div><div hidden>HIDDEN-ATTRIBUTE</div>
            <div aria-hidden="true">HIDDEN-ARIA</div>
            <figure><img src="a.jpg"><figcaption>CAPTION-TEXT Photo: Agency</figcaption></figure>
            <div class="image-wrapper"><img src="b.jpg"><p>SECOND-CAPTION under the image</p></div>
            <p>\(Self.prose("also visible"))</p></div></body>
            """
        let article = try extract(html)
        #expect(article.text == Self.prose("visible") + "\n\n" + Self.prose("also visible"))
    }

    @Test func headerLikeClassDoesNotDropLongProse() throws {
        let html = """
            <body><div class="nav-menu"><a href="/">Home</a> <a href="/x">X</a></div>
            <div class="main-header-article">
            <p>\(Self.prose("first point"))</p><p>\(Self.prose("second point"))</p><p>\(Self.prose("third point"))</p>
            </div><div class="sidebar"><p>Sidebar blurb with a <a href="/s">link</a>.</p></div></body>
            """
        let article = try extract(html)
        #expect(article.text.contains(Self.prose("first point")))
        #expect(article.text.contains(Self.prose("third point")))
        #expect(!article.text.contains("Home"))
        #expect(!article.text.contains("Sidebar blurb"))
    }

    @Test func classWordsAreReadWithCare() throws {
        // A taxonomy class does not make the article furniture; highlighting classes inside code are not
        // furniture; an inline "author" span is part of its sentence; screen-reader text is dropped.
        let html = """
            <body><article class="post type-post tag-social-media category-advertising">
            <h2 id="setup">Setting up<a class="headerlink" href="#setup">¶</a></h2>
            <p>\(Self.prose("setup")) As <span class="author">Ana Lima</span> put it, the job is done.</p>
            <pre><code><span class="hljs-comment">// keep this comment</span>
            let x = 1</code></pre>
            <p>\(Self.prose("result")) <a href="/next">Next part<span class="sr-only"> (opens in a new window)</span></a></p>
            </article></body>
            """
        let text = try extract(html).text
        #expect(text.hasPrefix("Setting up\n\n" + Self.prose("setup") + " As Ana Lima put it, the job is done."))
        #expect(text.contains("// keep this comment\nlet x = 1"))
        #expect(text.hasSuffix(Self.prose("result") + " Next part"))
    }

    @Test func siblingsSplitByAnAdAreJoined() throws {
        let html = """
            <body><div id="page"><div class="story-body"><p>\(Self.prose("opening"))</p><p>\(Self.prose("middle"))</p></div>
            <div class="ad-slot"><a href="/buy">Buy now</a></div>
            <div class="story-body"><p>\(Self.prose("continuation"))</p><p>\(Self.prose("ending"))</p></div>
            <div class="newsletter">Sign up for our newsletter to get every story first, free of charge, every morning.</div>
            </div></body>
            """
        let text = try extract(html).text
        #expect(
            text
                == [Self.prose("opening"), Self.prose("middle"), Self.prose("continuation"), Self.prose("ending")]
                .joined(separator: "\n\n"))
    }

    @Test func embeddedQuotesAndTablesStay() throws {
        let html = """
            <body><article><p>\(Self.prose("reaction"))</p>
            <div class="social-media-embed"><blockquote class="twitter-tweet"><p>This is what a reader posted about it,
            in full: <a href="https://t.example/x">https://t.example/x</a></p>— A Reader (@reader) <a href="/s/1">November 18, 2019</a></blockquote></div>
            <table><tr><th>Team</th><th>Points</th></tr><tr><td>Blue Harbour</td><td>12</td></tr><tr><td>Red Mountain</td><td>9</td></tr></table>
            <p>\(Self.prose("aftermath"))</p></article></body>
            """
        let text = try extract(html).text
        #expect(text.contains("This is what a reader posted about it, in full: https://t.example/x"))
        #expect(text.contains("— A Reader (@reader) November 18, 2019"))
        #expect(text.contains("Team | Points\n\nBlue Harbour | 12\n\nRed Mountain | 9"))
        #expect(text.hasSuffix(Self.prose("aftermath")))
    }

    @Test func shortLinkLinesAndTrailingLeadInsAreDropped() throws {
        let html = """
            <body><div class="entry-content"><p>Posted on November 19, 2019 at 6:21</p>
            <p>\(Self.prose("topic"))</p><p><a href="/other">Read more: another story entirely</a></p>
            <p>\(Self.prose("conclusion"))</p><p>Share this:</p><h3>More stories</h3></div></body>
            """
        let text = try extract(html).text
        #expect(text == Self.prose("topic") + "\n\n" + Self.prose("conclusion"))
    }

    @Test func pageWithoutArticleFallsBackToBodyText() throws {
        let article = try extract(
            "<html><body><div><a href='/'>Home</a> <a href='/about'>About</a></div><span>Hello there</span></body></html>")
        #expect(article.text.contains("Hello there"))
        let links = try extract("<html><body><ul><li><a href='/'>Home</a></li><li><a href='/about'>About</a></li></ul></body></html>")
        #expect(links.text == "Home\nAbout")
    }

    @Test func blankInputIsEmpty() throws {
        #expect(try extract("").text.isEmpty)
        #expect(try extract(" \n\t").text.isEmpty)
        #expect(try extract("<html><body><script>x()</script></body></html>").text.isEmpty)
    }

    @Test(
        "title rules",
        arguments: [
            // og:title first; a repeated site name goes when an h1 says the headline alone.
            ("<meta property='og:title' content='Open Graph headline'><title>Other | Site</title><h1>H</h1>", nil, "Open Graph headline"),
            ("<title>Big news today | The Site</title><h1>Big news today</h1>", nil, "Big news today"),
            ("<title>The Site - Big news today</title><h1>Big news today</h1>", nil, "Big news today"),
            ("<title>Storm hits the northern coast - Site</title>", nil, "Storm hits the northern coast"),
            (
                "<title>Storm: the aftermath | Coast Herald</title><h1>Different words entirely here</h1>", "https://www.coastherald.com/x",
                "Storm: the aftermath"
            ),
            ("<h1>Only a heading</h1><p>text</p>", nil, "Only a heading"),
            ("<title>A - B</title>", nil, "A - B"),
            ("<p>no title at all</p>", nil, nil),
            ("<title>Menus — Docs</title><h1>Menus<a class='headerlink' href='#menus'>¶</a></h1>", nil, "Menus"),
        ] as [(String, String?, String?)])
    func titles(html: String, url: String?, expected: String?) throws {
        #expect(try extract("<html><head></head><body>" + html + "</body></html>", url: url).title == expected)
    }

    @Test func languageAndDescriptionFallbacks() throws {
        let article = try extract(
            """
            <html><head><meta property="og:locale" content="pt_BR"><meta property="og:description" content="Resumo."></head>
            <body><p>Texto.</p></body></html>
            """)
        #expect(article.language == "pt-BR")
        #expect(article.description == "Resumo.")
    }

    @Test(
        "HTML is sniffed before text",
        arguments: [
            "<!DOCTYPE html><html><body>x</body></html>",
            "\u{FEFF}  \n<!doctype HTML>",
            "<HTML lang=en>",
            "<head><title>t</title></head>",
            "<!-- generated --><?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'>",
            "  <div class='x'>fragment</div>",
            "<p>one paragraph</p>",
            "<body>\nHello</body>",
        ])
    func sniffedAsHTML(content: String) {
        #expect(ContentSniffer.detect(Array(content.utf8)) == DetectedType(kind: .html, mediaType: "text/html"))
    }

    @Test(
        "not HTML",
        arguments: [
            "<p> without a closing tag, just prose",
            "<div>\n" + String(repeating: "long text ", count: 200) + "</div>",
            "Some text first, then <p>a paragraph</p>",
            "<html5 is a word>",
            "<pre>code",
            "a,b\n<p>,</p>\n",
        ])
    func notSniffedAsHTML(content: String) {
        #expect(ContentSniffer.detect(Array(content.utf8))?.kind != .html)
    }

    @Test func latin1HTMLIsSniffedAsHTML() {
        let bytes: [UInt8] = Array("<html><body><p>caf".utf8) + [0xE9, 0x00, 0x01] + Array("</p></body></html>".utf8)
        #expect(ContentSniffer.detect(bytes)?.kind == .html)
    }

    @Test func extractorsRunReturnsArticleAndAttributes() throws {
        let path = ExtractionFixtures.temporaryFile(Array(Self.article.utf8), suffix: ".html")
        defer { ExtractionFixtures.remove(path) }
        let extraction = try Extractors.run(kind: .html, path: path, limits: ExtractionLimits()).get()
        #expect(extraction.title == "Harbour reopens")
        #expect(extraction.text.hasPrefix(Self.prose("harbour")))
        #expect(extraction.attributes == ["charset": "utf-8", "description": "The harbour reopened after repairs.", "language": "en"])

        let empty = ExtractionFixtures.temporaryFile(Array("<html><body><script>var x</script>\n</body></html>".utf8))
        defer { ExtractionFixtures.remove(empty) }
        #expect(Extractors.run(kind: .html, path: empty, limits: ExtractionLimits()).failureCode == "no_text")
    }

    @Test func declaredCharsetReachesTheExtractor() throws {
        let bytes = Array("<html><head><meta charset=utf-8></head><body><p>ol".utf8) + [0xE1] + Array("</p></body></html>".utf8)
        let path = ExtractionFixtures.temporaryFile(bytes)
        defer { ExtractionFixtures.remove(path) }
        let extraction = try Extractors.run(kind: .html, path: path, limits: ExtractionLimits(), charset: "ISO-8859-1").get()
        #expect(extraction.text == "olá")
        #expect(extraction.attributes["charset"] == "windows-1252")
    }

    @Test(.enabled(if: companinBinary != nil, "needs COMPANIN_BIN"))
    func commandLinePrintsTitleBlankLineAndBody() throws {
        let path = ExtractionFixtures.temporaryFile(Array(Self.article.utf8), suffix: ".html")
        defer { ExtractionFixtures.remove(path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: companinBinary ?? "/nonexistent")
        process.arguments = ["extract", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.hasPrefix("Harbour reopens\n\n" + Self.prose("harbour") + "\n\nWhat changed\n\n"))
    }
}
