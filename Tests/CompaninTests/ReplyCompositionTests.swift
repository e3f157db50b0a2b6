import Foundation
import HTTP
import Ingestion
import Testing

@testable import Companin

@Suite struct ReplyCompositionTests {
    func hit(_ content: String, kind: String = "file", similarity: Float = 0.1, id: Int64 = 1) -> KnowledgeSearch.Hit {
        KnowledgeSearch.Hit(
            chunkID: id, sourceID: UUID(), kind: kind, title: "T\(id)", snippet: String(content.prefix(300)),
            score: 0.03, chunkIndex: 0, content: content, similarity: similarity)
    }

    let analyzer = LexicalAnalyzer()

    func stems(_ text: String) -> Set<String> {
        Set(analyzer.terms(text, language: .portuguese))
    }

    func relevance(
        _ question: String, weights: [String: Double] = [:],
        thresholds: ReplyThresholds = .for(model: LocalEnricher.modelName)
    ) -> Relevance {
        Relevance(asked: stems(question), weights: weights, stems: stems, thresholds: thresholds)
    }

    @Test func termsAreStemmedFoldedAndFreeOfStopWords() {
        #expect(stems("Qual é o prazo de ENTREGA para o Nordeste?") == stems("prazos entregas nordeste"))
        #expect(stems("Entregas no nordeste").count == 2)
        #expect(stems("the of and") == [])
    }

    @Test func rareTermsWeighMoreThanCommonOnes() {
        #expect(Relevance.weight(containing: 0, of: 100) > Relevance.weight(containing: 50, of: 100))
        #expect(Relevance.weight(containing: 100, of: 100) == 1)
        let stem = { self.stems($0).first! }
        let judge = relevance("aceitam pagamento bitcoin", weights: [stem("aceitam"): 1.2, stem("pagamento"): 1.2, stem("bitcoin"): 5.6])
        #expect(judge.coverage(of: judge.asked, in: [stem("aceitam"), stem("pagamento")]) < 0.4)
        #expect(judge.coverage(of: judge.asked, in: [stem("bitcoin"), stem("pagamento")]) > 0.8)
    }

    @Test func eachModelJudgesSimilarityOnItsOwnScaleAndWithoutOneOnlyWordsCount() {
        let neural = ReplyThresholds.for(model: E5Enricher.modelName)
        let close = hit("Refunds reach the card within ten days.", similarity: Float(neural.similarOnly) + 0.001, id: 9)
        // A Portuguese question over an English chunk shares no words: only the neural model's similarity can admit it.
        #expect(relevance("reembolso cartão", thresholds: neural).judge([close], pairs: [:]).relevant.map(\.hit.chunkID) == [9])
        #expect(relevance("reembolso cartão", thresholds: .lexical).judge([close], pairs: [:]).relevant.isEmpty)
        #expect(ReplyThresholds.for(model: "other-model") == .lexical)
    }

    @Test func operatorsSetThresholdsByName() throws {
        let base = ReplyThresholds.for(model: E5Enricher.modelName)
        let set = try #require(ReplyThresholds(parsing: "similar_only=0.9, pair_similarity=off,relevant_coverage=0.5", base: base))
        #expect(set.similarOnly == 0.9 && set.pairSimilarity == .infinity && set.relevantCoverage == 0.5)
        #expect(set.supportingSimilarity == base.supportingSimilarity)
        #expect(ReplyThresholds(parsing: "similarity=0.9", base: base) == nil)
        #expect(ReplyThresholds(parsing: "similar_only=high", base: base) == nil)
        #expect(ReplyThresholds(parsing: "similar_only", base: base) == nil)
    }

    @Test func aRelevantChunkNeedsTheQuestionsWeightAndTwoOfItsTerms() {
        let judge = relevance("garantia estendida meses")
        let judged = judge.judge(
            [
                hit("A garantia estendida pode ser contratada por até 24 meses.", id: 1),
                hit("A garantia legal é de 90 dias.", id: 2),
                hit("Entregamos em todo o Brasil.", id: 3),
            ], pairs: [:])
        #expect(judged.strongPair == nil)
        #expect(judged.relevant.map(\.hit.chunkID) == [1])
        let close = judge.judge([hit("A garantia estendida cobre defeitos.", similarity: 0.5, id: 4)], pairs: [:])
        #expect(close.relevant.map(\.hit.chunkID) == [4])
        #expect(relevance("capital australia").judge([hit("Australia beat Colombia in Madrid.")], pairs: [:]).relevant.isEmpty)
    }

    @Test func aQAPairAnswersOutrightWhenItsQuestionMatchesBothWays() {
        let pairHit = hit("Qual é o prazo de entrega para o Nordeste?\nDe 5 a 8 dias úteis.", kind: "qa", id: 7)
        let pairs = [pairHit.sourceID: (question: "Qual é o prazo de entrega para o Nordeste?", answer: "De 5 a 8 dias úteis.")]
        let strong = relevance("Qual o prazo de entrega no Nordeste?").judge([pairHit], pairs: pairs)
        #expect(strong.strongPair?.answer == "De 5 a 8 dias úteis." && strong.strongPair?.hit.chunkID == 7)
        // The visitor's question covers only part of the pair's: not a match, though the chunk is relevant.
        let partial = relevance("Qual o prazo?").judge([pairHit], pairs: pairs)
        #expect(partial.strongPair == nil && partial.relevant.map(\.text) == ["De 5 a 8 dias úteis."])
    }

    @Test func extractionKeepsTheBestSentencesInTheirOrder() {
        let judge = relevance("garantia estendida meses")
        let chunks = judge.judge(
            [
                hit(
                    """
                    Todos os produtos têm garantia legal de 90 dias. A loja abre às 9h. \
                    A garantia estendida pode ser contratada por até 24 meses. Você quer saber mais?
                    """)
            ], pairs: [:]
        ).relevant
        let answer = judge.extract(from: chunks, maxSentences: 2, maxCharacters: 700)
        #expect(
            answer.text == "Todos os produtos têm garantia legal de 90 dias. A garantia estendida pode ser contratada por até 24 meses.")
        #expect(answer.used.count == 1)
        let short = judge.extract(from: chunks, maxSentences: 3, maxCharacters: 60)
        #expect(short.text == "A garantia estendida pode ser contratada por até 24 meses.")
    }

    @Test func theFallbackSpeaksTheAssistantsLanguage() {
        #expect(ReplyComposer.nothingFound(language: "pt-BR").hasPrefix("Desculpe"))
        #expect(ReplyComposer.nothingFound(language: "es").hasPrefix("Lo siento"))
        #expect(ReplyComposer.nothingFound(language: "de-AT").hasPrefix("Sorry"))
    }

    @Test func thePromptCarriesThePersonaTheSourcesAndTheHistory() {
        let persona = ReplyComposer.Persona(
            name: "Aurora", description: "Ajuda clientes.", tone: "cordial", language: "pt-BR",
            task: Conversation.RenderedTask(name: "pedido", text: "Ajudar com o pedido A-1"))
        let chunk = Relevance.Judged(hit: hit("Entregamos em 5 dias."), text: "Entregamos em 5 dias.", coverage: 1)
        func message(_ role: Message.Role, _ content: String) -> Message {
            Message(
                id: UUID(), conversationID: UUID(), position: 1, role: role, content: content, metadata: [:], apiKeyID: nil,
                actor: .init(type: .visitor, id: nil), inReplyTo: nil, assistantVersion: nil, grounding: nil, model: nil,
                sources: nil, createdAt: .now)
        }
        let messages = ReplyComposer.prompt(
            question: "E o frete?", persona: persona, chunks: [chunk],
            history: [message(.user, "Oi"), message(.system, "nota interna"), message(.agent, "Olá!")])
        #expect(messages.map(\.role) == [.system, .user, .assistant, .user])
        #expect(messages[0].content.contains("You are Aurora, a customer-facing assistant. Ajuda clientes."))
        #expect(messages[0].content.contains("Tone: cordial") && messages[0].content.contains("pt-BR"))
        #expect(messages[0].content.contains("(pedido): Ajudar com o pedido A-1"))
        #expect(messages[0].content.contains("[1] T1: Entregamos em 5 dias."))
        #expect(messages[2].content == "(a human colleague wrote) Olá!" && messages[3].content == "E o frete?")
    }

    @Test func messageInputValidatesRolesAndAuthors() throws {
        func input(_ json: String) throws -> MessageInput {
            try MessageInput(
                try Request(
                    method: .post, path: "/", headers: ["Content-Type": "application/json"],
                    body: Data(json.utf8)
                ).jsonObjectBody())
        }
        let agent = try input(#"{"role": "agent", "content": "Olá", "actor_id": "agent-1"}"#)
        #expect(agent.role == .agent && agent.actorID == "agent-1")
        #expect(
            try input(#"{"role": "user", "content": "a"}"#).fingerprint != (try input(#"{"role": "user", "content": "b"}"#)).fingerprint)
        #expect(
            try input(#"{"role": "user", "content": "a", "metadata": {}}"#).fingerprint
                == (try input(#"{"role": "user", "content": "a"}"#)).fingerprint)
        for bad in [
            #"{"role": "assistant", "content": "x"}"#, #"{"role": "user", "content": " "}"#,
            #"{"role": "user", "content": "x", "actor_id": "me"}"#, #"{"content": "x"}"#,
        ] {
            #expect(throws: ValidationError.self) { try input(bad) }
        }
    }
}
