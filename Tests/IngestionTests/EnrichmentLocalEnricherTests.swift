import Foundation
import Testing

@testable import Ingestion

@Suite struct EnrichmentLocalEnricherTests {
    let enricher = LocalEnricher()

    func similarity(_ a: String, _ b: String) -> Float {
        let vectors = enricher.embed([a, b])
        return Embedding.cosine(vectors[0].vector, vectors[1].vector)
    }

    static func norm(_ vector: [Float]) -> Float {
        vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    // MARK: Embeddings

    @Test func modelAndDimension() {
        #expect(LocalEnricher.dimension == 384)
        #expect(enricher.embeddingModel == "companin-hash-384-v1")
        let embeddings = enricher.embed(["um", "two words", ""])
        #expect(embeddings.count == 3)
        #expect(embeddings.allSatisfy { $0.model == "companin-hash-384-v1" && $0.dimension == 384 })
    }

    /// Pins the hashing: if any of these constants changes, stored vectors are no longer
    /// comparable and the model name must change with it.
    @Test func vectorsAreDeterministicAndPinned() {
        let text = "Companin ajuda equipes a organizar o conhecimento dos seus assistentes."
        let vector = enricher.embed([text])[0].vector
        #expect(vector == LocalEnricher().embed([text])[0].vector)
        #expect(vector.filter { $0 != 0 }.count == 55)
        #expect(vector[0] == 0)
        #expect(abs(vector[1] - 0.09769266) < 1e-6)
        #expect(abs(vector[9] - 0.17096215) < 1e-6)
        #expect(abs(vector[11] + 0.09769266) < 1e-6)
        #expect(abs(vector[63] - 0.17096215) < 1e-6)
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar") == 0x8594_4171_f739_67e8)
        #expect(FNV1a.hash("ação") == FNV1a.hash("ação".unicodeScalars))
    }

    @Test func vectorsHaveUnitNormOrAreZero() {
        let texts = ["Customers cancel subscriptions.", "Olá, mundo! Ação rápida.", "x", String(repeating: "word ", count: 500)]
        for embedding in enricher.embed(texts) {
            #expect(abs(Self.norm(embedding.vector) - 1) < 1e-5)
        }
        // Nothing to hash: the zero vector, which is similar to nothing.
        for text in ["", "   ", "the of and de que los"] {
            #expect(enricher.embed([text])[0].vector.allSatisfy { $0 == 0 })
        }
    }

    @Test func paraphraseIsCloserThanAnUnrelatedText() {
        let portuguese = "O cliente pode cancelar a assinatura a qualquer momento pelo aplicativo, sem multa."
        let portugueseParaphrase = "Pelo aplicativo, qualquer cliente consegue cancelar sua assinatura quando quiser e não paga multa."
        let portugueseUnrelated = "A receita do bolo de chocolate leva ovos, farinha, manteiga e açúcar."
        #expect(similarity(portuguese, portugueseParaphrase) > 0.5)
        #expect(similarity(portuguese, portugueseUnrelated) < 0.2)

        let english = "Customers can cancel their subscription at any time from the mobile app without a fee."
        let englishParaphrase = "Any customer may cancel the subscription whenever they like in the mobile app, with no cancellation fee."
        let englishUnrelated = "The chocolate cake recipe needs eggs, flour, butter and sugar."
        #expect(similarity(english, englishParaphrase) > 0.5)
        #expect(similarity(english, englishUnrelated) < 0.2)
    }

    @Test func accentsAndCaseAreFolded() {
        #expect(similarity("informação", "informacao") > 0.999)
        #expect(similarity("Ação do Usuário", "acao do usuario") > 0.999)
        #expect(similarity("CANCELAMENTO", "cancelamento") > 0.999)
        // Inflections share trigrams: similar, though not equal.
        let inflected = similarity("cancelamento da assinatura", "cancelamentos das assinaturas")
        #expect(inflected > 0.4 && inflected < 0.99)
    }

    @Test func stopWordsDoNotCount() {
        #expect(similarity("the subscription", "a subscription") > 0.999)
        #expect(similarity("la suscripción", "una suscripción") > 0.999)
        #expect(similarity("a assinatura", "da assinatura") > 0.999)
    }

    // MARK: Keywords

    static let englishText = """
        Solar panels convert sunlight into electricity. The efficiency of solar panels depends on the angle and the climate. \
        Most solar panels today are made of silicon cells. Installing solar panels on a roof can reduce the electricity bill. \
        Batteries store the electricity that the panels produce during the day. The cost of batteries has fallen since 2015.
        """
    static let portugueseText = """
        A energia solar é uma fonte renovável de eletricidade. Os painéis solares transformam a luz do sol em energia elétrica. \
        No Brasil, a energia solar cresce todos os anos porque o país tem muito sol. A instalação dos painéis solares exige um \
        técnico qualificado. O governo oferece incentivos para quem investe em energia solar.
        """
    static let spanishText = """
        La energía eólica es una fuente de energía renovable. Los aerogeneradores transforman el viento en electricidad. \
        España es uno de los países con más energía eólica de Europa. Los parques eólicos se instalan donde hay mucho viento.
        """

    @Test func keywordsRankTheTopicFirst() {
        let english = enricher.keywords(Self.englishText, limit: 5)
        #expect(english.count == 5)
        #expect(english.first == "solar panels")
        #expect(english.contains("electricity"))
        #expect(english.contains("panels"))

        let portuguese = enricher.keywords(Self.portugueseText, limit: 5)
        #expect(Set(portuguese.prefix(3)) == ["energia", "energia solar", "painéis solares"])

        let spanish = enricher.keywords(Self.spanishText, limit: 5)
        #expect(Array(spanish.prefix(2)) == ["energía", "energía eólica"])
        #expect(spanish.contains("viento"))
    }

    @Test func keywordsExcludeStopWordsOfAllThreeLanguagesAndNumbers() {
        for text in [Self.englishText, Self.portugueseText, Self.spanishText] {
            let keywords = enricher.keywords(text, limit: 50)
            #expect(!keywords.isEmpty)
            for keyword in keywords {
                #expect(keyword == keyword.lowercased())
                for word in keyword.split(separator: " ") {
                    #expect(!StopWords.all.contains(String(word)), "stop word \(word) in \(keyword)")
                    let isNumber = word.allSatisfy { $0.isNumber }
                    #expect(!isNumber, "number \(word)")
                }
            }
            for stopWord in ["the", "of", "and", "a", "de", "que", "não", "é", "los", "el", "más", "2015"] {
                #expect(!keywords.contains(stopWord))
            }
        }
        // Even typed without accents.
        #expect(enricher.keywords("Nao sei, voce tambem nao. Está bem, esta casa.", limit: 10) == ["casa", "sei"])
    }

    @Test func keywordsKeepAccentsAndRespectTheLimit() {
        let keywords = enricher.keywords("Informação, INFORMAÇÃO e informação: gestão da informação.", limit: 2)
        #expect(keywords == ["informação", "gestão"])
        #expect(enricher.keywords(Self.englishText, limit: 0).isEmpty)
        #expect(enricher.keywords("", limit: 5).isEmpty)
    }

    // MARK: Summaries

    @Test func summaryIsRealSentencesInDocumentOrder() {
        let text =
            Self.englishText + "\n\n" + """
                Some people prefer wind turbines. Wind turbines work at night. Hydroelectric dams need rivers.
                """
        let summary = enricher.summarize(text, title: "Solar panels")
        #expect(!summary.isEmpty)
        #expect(summary.count < text.count)
        #expect(summary.count <= 600)

        let characters = Array(text)
        let sentences = SentenceSegmenter.paragraphs(in: characters).flatMap {
            SentenceSegmenter.sentences(in: characters, range: $0).map { String(characters[$0]) }
        }
        let chosen = sentences.filter { summary.contains($0) }
        #expect(chosen.count == 3)
        #expect(chosen.joined(separator: " ") == summary)
        var searchFrom = text.startIndex
        for sentence in chosen {
            let range = text.range(of: sentence, range: searchFrom..<text.endIndex)
            #expect(range != nil, "out of order: \(sentence)")
            if let range { searchFrom = range.upperBound }
        }
        #expect(summary.hasPrefix("Solar panels convert sunlight into electricity."))
    }

    @Test func shortTextsGetShorterSummaries() {
        #expect(enricher.summarize("", title: nil) == "")
        #expect(enricher.summarize("Only one sentence here.", title: nil) == "Only one sentence here.")
        let two = "Refunds take five business days. Contact support for refunds over one hundred dollars."
        let summary = enricher.summarize(two, title: nil)
        #expect(summary == "Refunds take five business days." || summary == "Contact support for refunds over one hundred dollars.")
    }

    @Test func titleWordsPullTheirSentenceIn() {
        let text = """
            The office opens at nine every weekday morning. Parking is available behind the building for visitors. \
            Lunch is served in the cafeteria from noon. Visitors must register at the front desk.
            """
        #expect(enricher.summarize(text, title: "Parking").contains("Parking is available"))
    }

    @Test func summaryOfAGiantSentenceIsTruncatedAtAWord() {
        let text = (0..<300).map { "palavra\($0 % 7)" }.joined(separator: " ")
        let summary = enricher.summarize(text, title: nil)
        #expect(summary.count <= 600)
        #expect(summary.hasSuffix("…"))
        #expect(text.hasPrefix(String(summary.dropLast())))
    }
}
