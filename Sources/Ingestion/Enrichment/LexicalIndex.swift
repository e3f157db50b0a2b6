import Foundation

/// An inverted index of documents' terms ranked by Okapi BM25, for lexical search in memory.
///
/// Each document is analyzed in its own language; a query is analyzed once per language the index
/// holds, and a document is scored with the query's terms in that document's language, so a
/// Portuguese question meets Portuguese chunks through Portuguese stems and English chunks
/// through English ones. Document frequencies and lengths are over the whole index.
public struct LexicalIndex: Sendable {
    /// BM25's usual constants: term-frequency saturation and length normalization.
    public static let k1 = 1.2
    public static let b = 0.75

    /// Each posting packs a document number (high 24 bits) and the term's count in it (low 8,
    /// saturated at 255: far past where BM25 stops rewarding repetition).
    private var postings: [String: [UInt32]] = [:]
    private var languages: [StemmingLanguage?] = []
    private var lengths: [UInt32] = []
    private var totalLength = 0
    private var postingCount = 0
    /// Distinct languages among the documents, for analyzing queries.
    public private(set) var documentLanguages: Set<StemmingLanguage?> = []

    /// The most documents one index holds (the width of a posting's document number).
    public static let capacity = 1 << 24

    public init() {}

    public var count: Int { lengths.count }

    /// Approximate memory held, for cache budgets.
    public var bytes: Int { postingCount * 4 + postings.count * 64 + lengths.count * 5 }

    /// Adds a document with its analyzed terms and language; its number is the previous `count`.
    public mutating func add(terms: [String], language: StemmingLanguage?) {
        precondition(count < Self.capacity, "a lexical index holds at most \(Self.capacity) documents")
        let document = UInt32(count)
        var frequencies: [String: Int] = [:]
        for term in terms { frequencies[term, default: 0] += 1 }
        for (term, frequency) in frequencies {
            postings[term, default: []].append(document << 8 | UInt32(min(frequency, 255)))
        }
        postingCount += frequencies.count
        languages.append(language)
        documentLanguages.insert(language)
        lengths.append(UInt32(min(terms.count, Int(UInt32.max))))
        totalLength += terms.count
    }

    /// How many documents hold `term`.
    public func documentFrequency(_ term: String) -> Int { postings[term]?.count ?? 0 }

    /// BM25's inverse document frequency, in its non-negative form `ln(1 + (N − n + 0.5) / (n + 0.5))`.
    public func inverseDocumentFrequency(_ term: String) -> Double {
        let n = Double(documentFrequency(term))
        return log1p((Double(count) - n + 0.5) / (n + 0.5))
    }

    /// The documents `include` admits that share a term with the query, with their BM25 scores,
    /// best first (ties by document number). `queryTerms` holds the query's terms per language,
    /// as `LexicalAnalyzer.terms(_:language:)` gives them for each of `documentLanguages`.
    public func scores(_ queryTerms: [StemmingLanguage?: [String]], include: (Int) -> Bool = { _ in true }) -> [(document: Int, score: Double)] {
        guard count > 0 else { return [] }
        let averageLength = max(1, Double(totalLength) / Double(count))
        var scores: [Int: Double] = [:]
        for (language, terms) in queryTerms {
            // A word repeated in the question counts once: questions are short and repetition there is noise.
            for term in Set(terms) {
                guard let list = postings[term] else { continue }
                let idf = inverseDocumentFrequency(term)
                for posting in list {
                    let document = Int(posting >> 8)
                    guard languages[document] == language, include(document) else { continue }
                    let frequency = Double(posting & 0xFF)
                    let norm = Self.k1 * (1 - Self.b + Self.b * Double(lengths[document]) / averageLength)
                    scores[document, default: 0] += idf * frequency * (Self.k1 + 1) / (frequency + norm)
                }
            }
        }
        return scores.map { ($0.key, $0.value) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.document < $1.document }
    }
}
