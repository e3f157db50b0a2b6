import Testing

@testable import Ingestion

@Suite struct LexicalAnalyzerTests {
    let analyzer = LexicalAnalyzer()

    @Test func theLibraryStemsEachLanguage() {
        #expect(Set(analyzer.languages) == [.portuguese, .english, .spanish])
    }

    @Test func portugueseInflectionsMeetAndAccentsFold() {
        let terms = { analyzer.terms($0, language: .portuguese) }
        #expect(terms("entregas") == terms("entrega"))
        #expect(terms("devoluções") == terms("devolução"))
        #expect(terms("Devolução") == terms("devolucao"))
        #expect(terms("devolucoes") == terms("devoluções"))
        #expect(terms("informacoes do cartao") == terms("informação do cartão"))
        #expect(terms("ao") == [] && terms("bacalhau") == ["bacalhau"])
        #expect(terms("cancelamento") == terms("cancelar"))
        #expect(terms("trocas") == terms("troca"))
        #expect(terms("Qual é o prazo de ENTREGA para o Nordeste?") == terms("prazo entrega nordeste"))
    }

    @Test func englishAndSpanishInflectionsMeet() {
        #expect(analyzer.terms("refunds refunded", language: .english) == ["refund", "refund"])
        #expect(analyzer.terms("shipping", language: .english) == analyzer.terms("shipped", language: .english))
        #expect(analyzer.terms("facturas", language: .spanish) == analyzer.terms("factura", language: .spanish))
        #expect(analyzer.terms("envíos", language: .spanish) == analyzer.terms("envio", language: .spanish))
    }

    @Test func stopWordsSingleLettersAndPunctuationGoNumbersStay() {
        #expect(analyzer.terms("the of and a", language: .english).isEmpty)
        #expect(analyzer.terms("o que é isso?", language: .portuguese).isEmpty)
        #expect(analyzer.terms("plano 300 megas", language: .portuguese).contains("300"))
    }

    @Test func withoutALanguageWordsAreOnlyLoweredAndFolded() {
        #expect(analyzer.terms("Ação SKU-42", language: nil) == ["acao", "sku", "42"])
    }

    @Test func theLanguageIsReadFromFunctionWords() {
        #expect(LexicalAnalyzer.language(of: "Você pode trocar o produto em até 30 dias, não é?") == .portuguese)
        #expect(LexicalAnalyzer.language(of: "How do I get my money back for the order?") == .english)
        #expect(LexicalAnalyzer.language(of: "¿Cómo puedo cambiar el plan de los datos móviles?") == .spanish)
        #expect(LexicalAnalyzer.language(of: "SKU 42 — 300") == nil)
        let analyzed = analyzer.analyze("Las facturas del mes llegan por correo.")
        #expect(analyzed.language == .spanish && analyzed.terms == analyzer.terms("facturas mes llegan correo", language: .spanish))
    }
}

@Suite struct LexicalIndexTests {
    let analyzer = LexicalAnalyzer()

    func index(_ texts: [String]) -> LexicalIndex {
        var index = LexicalIndex()
        for text in texts {
            let analyzed = analyzer.analyze(text)
            index.add(terms: analyzed.terms, language: analyzed.language)
        }
        return index
    }

    func query(_ text: String, _ index: LexicalIndex) -> [StemmingLanguage?: [String]] {
        Dictionary(uniqueKeysWithValues: index.documentLanguages.map { ($0, analyzer.terms(text, language: $0)) })
    }

    @Test func rareTermsAndInflectionsRankTheRightDocument() {
        let index = index([
            "A entrega para o Nordeste leva de 5 a 8 dias úteis, e o frete é grátis acima de R$ 299.",
            "As devoluções são gratuitas em até 7 dias corridos depois do recebimento do pedido.",
            "O pedido pode ser cancelado enquanto não for faturado.",
            "Shipping to Canada takes two weeks and refunds are issued to the card.",
        ])
        #expect(index.count == 4)
        #expect(index.scores(query("quanto tempo demoram as entregas no nordeste?", index)).first?.document == 0)
        #expect(index.scores(query("posso devolver depois de receber?", index)).first?.document == 1)
        #expect(index.scores(query("how are refunds paid?", index)).first?.document == 3)
        // English words scored against Portuguese documents with English stems, and the reverse: no match.
        #expect(index.scores(query("cancelamento", index)).map(\.document) == [2])
        #expect(index.scores(query("quantum chromodynamics", index)).isEmpty)
    }

    @Test func bm25FavoursRarerTermsAndShorterDocumentsAndHonoursTheFilter() {
        let index = index([
            "A garantia e a garantia do produto, o produto e o produto da loja.",
            "Você tem a garantia estendida do produto.",
            "O produto na loja, a loja e a loja: o produto, o produto, o produto e o produto.",
        ])
        let stem = { analyzer.terms($0, language: .portuguese)[0] }
        #expect(index.inverseDocumentFrequency(stem("estendida")) > index.inverseDocumentFrequency(stem("garantia")))
        let ranked = index.scores(query("garantia estendida", index))
        #expect(ranked.map(\.document) == [1, 0])
        #expect(ranked[0].score > ranked[1].score)
        #expect(index.scores(query("garantia estendida", index)) { $0 != 1 }.map(\.document) == [0])
        #expect(index.documentFrequency(stem("produtos")) == 3)
    }

    @Test func anIndexRebuiltFromAnEarlierOneRanksAsAFreshOne() {
        let texts = [
            "A entrega para o Nordeste leva de 5 a 8 dias úteis.",
            "As devoluções são gratuitas em até 7 dias corridos.",
            "Shipping to Canada takes two weeks and refunds go to the card.",
            "El envío a Chile tarda una semana y la factura llega por correo.",
        ]
        let earlier = index(Array(texts.prefix(3)))
        // Document 1 is dropped, 0 and 2 carried over, and a new one analyzed.
        var rebuilt = LexicalIndex(continuing: earlier)
        rebuilt.add(document: 0, of: earlier)
        rebuilt.add(document: 2, of: earlier)
        let analyzed = analyzer.analyze(texts[3])
        rebuilt.add(terms: analyzed.terms, language: analyzed.language)
        let fresh = index([texts[0], texts[2], texts[3]])
        for question in ["prazo de entrega no nordeste", "devolução gratuita", "refund to my card", "¿cuánto tarda el envío a Chile?"] {
            let ranked = rebuilt.scores(query(question, rebuilt))
            let expected = fresh.scores(query(question, fresh))
            #expect(ranked.map(\.document) == expected.map(\.document), "\(question)")
            #expect(zip(ranked, expected).allSatisfy { abs($0.score - $1.score) < 1e-9 }, "\(question)")
        }
        #expect(rebuilt.count == 3 && rebuilt.documentFrequency(analyzer.terms("devoluções", language: .portuguese)[0]) == 0)
    }
}
