import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB

/// Writes an assistant's reply to a visitor's message from the organization's knowledge, within the
/// assistant's scope: the answer of a Q&A pair whose question matches strongly; else, with a
/// language model configured, the model's answer over the best chunks; else the best chunks'
/// most relevant sentences. When nothing is relevant enough the reply says so in the assistant's
/// language and the conversation needs a human.
struct ReplyComposer {
    let db: ScopedConnection
    let enricher: any Enricher
    let indexes: KnowledgeIndexCache
    /// The operator's thresholds for the embedding model, else the calibrated ones of a known model.
    var thresholds: ReplyThresholds? = nil
    let model: (any ChatModel)?
    let logger: Logger

    struct Reply: Equatable {
        var content: String
        var grounding: Message.Grounding
        var sources: [Message.Source]
        var model: String?
    }

    /// What the assistant is, as its live version says.
    struct Persona {
        var name: String
        var description: String
        var tone: String
        var language: String
        var task: Conversation.RenderedTask?
    }

    /// Chunks retrieved for a question before judging them.
    static let candidates = 8
    /// Chunks an answer is built from at most.
    static let groundingChunks = 3
    /// Sentences and characters an extractive answer holds at most.
    static let answerSentences = 3
    static let answerCharacters = 700
    /// Earlier messages the model sees.
    static let historyMessages = 10

    func reply(to question: String, persona: Persona, scope: KnowledgeScope, history: [Message]) throws -> Reply {
        let outcome = try KnowledgeSearch(
            db: db, enricher: enricher, indexes: indexes,
            logger: logger
        )
        .run(.init(text: question, scope: scope, kinds: nil, topK: Self.candidates))
        let hits = outcome.hits
        let pairs = try QAPairStore(db: db).pairs(hits.filter { $0.kind == KnowledgeSource.Kind.qa.rawValue }.map(\.sourceID))
        // The question and the chunks are read in the question's language (else the assistant's),
        // so their words meet through one stemmer; rarity comes from the organization's index.
        let language = LexicalAnalyzer.language(of: question) ?? StemmingLanguage(tag: persona.language)
        let analyzer = indexes.analyzer
        let stems: (String) -> Set<String> = { Set(analyzer.terms($0, language: language)) }
        let asked = stems(question)
        let index = outcome.index
        let relevance = Relevance(
            asked: asked,
            weights: Dictionary(
                uniqueKeysWithValues: asked.map {
                    ($0, Relevance.weight(containing: index.lexical.documentFrequency($0), of: index.count))
                }), stems: stems, thresholds: outcome.semantic ? thresholds ?? .for(model: enricher.embeddingModel) : .lexical)
        let judged = relevance.judge(hits, pairs: pairs)

        if let best = judged.strongPair {
            return Reply(content: best.answer, grounding: .qa, sources: [Self.source(best.hit)], model: nil)
        }
        let grounding = Array(judged.relevant.prefix(Self.groundingChunks))
        guard !grounding.isEmpty else {
            return Reply(content: Self.nothingFound(language: persona.language), grounding: .none, sources: [], model: nil)
        }
        if let model {
            do {
                let text = try model.complete(Self.prompt(question: question, persona: persona, chunks: grounding, history: history))
                return Reply(content: text, grounding: .model, sources: grounding.map { Self.source($0.hit) }, model: model.name)
            } catch {
                // The knowledge is still there: answer from it rather than fail the visitor.
                logger.warning("reply model failed; answering from the chunks", metadata: ["model": "\(model.name)", "error": "\(error)"])
            }
        }
        let extract = relevance.extract(from: grounding, maxSentences: Self.answerSentences, maxCharacters: Self.answerCharacters)
        return Reply(content: extract.text, grounding: .chunks, sources: extract.used.map { Self.source($0.hit) }, model: nil)
    }

    private static func source(_ hit: KnowledgeSearch.Hit) -> Message.Source {
        Message.Source(sourceID: hit.sourceID, chunkID: hit.chunkID, kind: hit.kind, title: hit.title, score: hit.score)
    }

    /// The instructions and sources a model answers from, then the conversation so far.
    static func prompt(question: String, persona: Persona, chunks: [Relevance.Judged], history: [Message]) -> [ChatMessage] {
        var system = "You are \(persona.name), a customer-facing assistant."
        if !persona.description.isEmpty { system += " \(persona.description)" }
        system += "\nTone: \(persona.tone). Always answer in the language with BCP 47 tag \(persona.language)."
        if let task = persona.task { system += "\nYour task in this conversation (\(task.name)): \(task.text)" }
        system += """

            Answer only from the numbered sources below. If they do not contain the answer, say that you do not know \
            and that a human colleague will follow up. Never invent facts, prices, dates or policies.

            Sources:
            """
        for (index, chunk) in chunks.enumerated() {
            system += "\n[\(index + 1)] \(chunk.hit.title): \(chunk.text)"
        }
        var messages = [ChatMessage(role: .system, content: system)]
        for message in history.suffix(historyMessages) {
            switch message.role {
            case .user: messages.append(ChatMessage(role: .user, content: message.content))
            case .assistant: messages.append(ChatMessage(role: .assistant, content: message.content))
            case .agent: messages.append(ChatMessage(role: .assistant, content: "(a human colleague wrote) \(message.content)"))
            case .system: continue
            }
        }
        messages.append(ChatMessage(role: .user, content: question))
        return messages
    }

    /// The reply when the knowledge holds nothing relevant, in the assistant's language.
    static func nothingFound(language: String) -> String {
        switch language.split(separator: "-").first.map({ $0.lowercased() }) {
        case "pt": "Desculpe, não encontrei essa informação. Vou encaminhar a sua pergunta a um atendente humano."
        case "es": "Lo siento, no encontré esa información. Pasaré tu pregunta a un agente humano."
        case "fr": "Désolé, je n'ai pas trouvé cette information. Je transmets votre question à un conseiller humain."
        default: "Sorry, I couldn't find that information. I'll pass your question on to a human agent."
        }
    }
}

/// How well retrieved chunks answer a question, judged on the question's content words (stemmed,
/// folded, stop words removed), each weighted by how rare it is in the organization's knowledge —
/// a chunk that shares only the everyday words of a question ("accept", "payment") but not its
/// point ("bitcoin") is not an answer — and on the embedding model's similarity, which is what
/// lets a question in one language be answered from a document in another.
struct Relevance {
    struct Judged {
        var hit: KnowledgeSearch.Hit
        /// The text to answer from: a Q&A pair's answer, or the chunk.
        var text: String
        /// Weighted share of the question's terms found in the chunk.
        var coverage: Double
    }

    struct StrongPair {
        var hit: KnowledgeSearch.Hit
        var answer: String
    }

    /// The question's terms and their weights (inverse document frequency over the organization's chunks).
    let asked: Set<String>
    let weights: [String: Double]
    /// Reads a text into terms the way `asked` was read.
    let stems: (String) -> Set<String>
    let thresholds: ReplyThresholds

    /// `ln((chunks + 1) / (containing + 1)) + 1`: a term found nowhere weighs most, one found everywhere 1.
    static func weight(containing: Int, of chunks: Int) -> Double {
        log(Double(chunks + 1) / Double(containing + 1)) + 1
    }

    /// Weighted share of `terms` found in `other`; unknown terms weigh 1.
    func coverage(of terms: Set<String>, in other: Set<String>) -> Double {
        let total = terms.reduce(0) { $0 + (weights[$1] ?? 1) }
        guard total > 0 else { return 0 }
        return terms.intersection(other).reduce(0) { $0 + (weights[$1] ?? 1) } / total
    }

    func judge(_ hits: [KnowledgeSearch.Hit], pairs: [UUID: (question: String, answer: String)]) -> (
        strongPair: StrongPair?, relevant: [Judged]
    ) {
        var strong: (pair: StrongPair, score: Double)?
        var relevant: [Judged] = []
        let needed = min(2, asked.count)
        for hit in hits {
            let pair = hit.kind == KnowledgeSource.Kind.qa.rawValue ? pairs[hit.sourceID] : nil
            let found = stems(hit.content)
            let covered = coverage(of: asked, in: found)
            if let pair {
                let pairTerms = stems(pair.question)
                let forward = coverage(of: asked, in: pairTerms)
                let reverse = coverage(of: pairTerms, in: asked)
                let matches =
                    (forward >= thresholds.pairCoverage && reverse >= thresholds.pairReverseCoverage)
                    || Double(hit.similarity) >= thresholds.pairSimilarity
                if matches, forward + reverse + Double(hit.similarity) > (strong?.score ?? 0) {
                    strong = (StrongPair(hit: hit, answer: pair.answer), forward + reverse + Double(hit.similarity))
                }
            }
            if Double(hit.similarity) >= thresholds.similarOnly {
                relevant.append(Judged(hit: hit, text: pair?.answer ?? hit.content, coverage: covered))
                continue
            }
            guard asked.intersection(found).count >= needed else { continue }
            if covered >= thresholds.relevantCoverage
                || (covered >= thresholds.supportedCoverage && Double(hit.similarity) >= thresholds.supportingSimilarity)
            {
                relevant.append(Judged(hit: hit, text: pair?.answer ?? hit.content, coverage: covered))
            }
        }
        return (strong?.pair, relevant)
    }

    /// The sentences of `chunks` that carry the most of the question's weight, in their order of
    /// appearance (best chunk first), within the limits; the first chunk's opening when none carries any.
    func extract(from chunks: [Judged], maxSentences: Int, maxCharacters: Int) -> (text: String, used: [Judged]) {
        struct Candidate {
            var chunk: Int
            var position: Int
            var text: String
            var score: Double
        }
        var candidates: [Candidate] = []
        for (chunkIndex, chunk) in chunks.enumerated() {
            for (position, sentence) in TextAnalysis.sentences(chunk.text).enumerated() where !sentence.hasSuffix("?") {
                candidates.append(
                    Candidate(
                        chunk: chunkIndex, position: position, text: sentence,
                        score: coverage(of: asked, in: stems(sentence))))
            }
        }
        let ranked = candidates.filter { $0.score > 0 }.sorted {
            $0.score != $1.score ? $0.score > $1.score : ($0.chunk, $0.position) < ($1.chunk, $1.position)
        }
        var chosen: [Candidate] = []
        var length = 0
        for candidate in ranked {
            guard chosen.count < maxSentences else { break }
            if !chosen.isEmpty, length + candidate.text.count > maxCharacters { continue }
            chosen.append(candidate)
            length += candidate.text.count + 1
        }
        guard !chosen.isEmpty else {
            return (String((chunks.first?.text ?? "").prefix(maxCharacters)), Array(chunks.prefix(1)))
        }
        chosen.sort { ($0.chunk, $0.position) < ($1.chunk, $1.position) }
        var text = chosen.map(\.text).joined(separator: " ")
        if text.count > maxCharacters { text = String(text.prefix(maxCharacters - 1)) + "…" }
        return (text, Set(chosen.map(\.chunk)).sorted().map { chunks[$0] })
    }
}
