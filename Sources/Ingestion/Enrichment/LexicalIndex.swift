import Foundation

/// An inverted index of documents' terms ranked by Okapi BM25, for lexical search in memory.
///
/// Each document is analyzed in its own language; a query is analyzed once per language the index
/// holds, and a document is scored with the query's terms in that document's language, so a
/// Portuguese question meets Portuguese chunks through Portuguese stems and English chunks
/// through English ones. Document frequencies and lengths are over the whole index.
///
/// An index can be rebuilt from an earlier one (`init(continuing:)`, `add(document:of:)`): the
/// documents it keeps are carried over without being analyzed again, which is what keeps a
/// responder's reload cheap when a few chunks of a large organization change.
public struct LexicalIndex: Sendable {
    /// BM25's usual constants: term-frequency saturation and length normalization.
    public static let k1 = 1.2
    public static let b = 0.75

    /// Term numbers, shared with the indexes this one continues (it only ever adds to them).
    private var termIDs: [String: UInt32] = [:]
    /// By term number: each posting packs a document number (high 24 bits) and the term's count
    /// in it (low 8, saturated at 255: far past where BM25 stops rewarding repetition).
    private var postings: [[UInt32]] = []
    /// By document: its terms, each packing a term number (high 24 bits) and count (low 8).
    private var documents: [[UInt32]] = []
    private var languages: [StemmingLanguage?] = []
    private var lengths: [UInt32] = []
    private var totalLength = 0
    private var postingCount = 0
    /// Distinct languages among the documents, for analyzing queries.
    public private(set) var documentLanguages: Set<StemmingLanguage?> = []

    /// The most documents, and the most distinct terms, one index holds (24-bit numbers).
    public static let capacity = 1 << 24

    public init() {}

    /// An empty index that can take documents of `earlier` by number, with its term numbers.
    public init(continuing earlier: LexicalIndex) {
        termIDs = earlier.termIDs
        postings = Array(repeating: [], count: earlier.postings.count)
    }

    public var count: Int { lengths.count }

    /// Approximate memory held, for cache budgets.
    public var bytes: Int { postingCount * 8 + termIDs.count * 72 + count * 48 }

    /// Adds a document with its analyzed terms and language; its number is the previous `count`.
    public mutating func add(terms: [String], language: StemmingLanguage?) {
        var frequencies: [UInt32: Int] = [:]
        for term in terms {
            let id: UInt32
            if let known = termIDs[term] {
                id = known
            } else {
                precondition(postings.count < Self.capacity, "a lexical index holds at most \(Self.capacity) terms")
                id = UInt32(postings.count)
                termIDs[term] = id
                postings.append([])
            }
            frequencies[id, default: 0] += 1
        }
        append(frequencies.map { $0.key << 8 | UInt32(min($0.value, 255)) }.sorted(), length: terms.count, language: language)
    }

    /// Adds document `document` of `earlier`, which this index continues (directly or through
    /// other indexes that continued it), without analyzing it again.
    public mutating func add(document: Int, of earlier: LexicalIndex) {
        append(earlier.documents[document], length: Int(earlier.lengths[document]), language: earlier.languages[document])
    }

    private mutating func append(_ terms: [UInt32], length: Int, language: StemmingLanguage?) {
        precondition(count < Self.capacity, "a lexical index holds at most \(Self.capacity) documents")
        let document = UInt32(count)
        for term in terms {
            postings[Int(term >> 8)].append(document << 8 | (term & 0xFF))
        }
        postingCount += terms.count
        documents.append(terms)
        languages.append(language)
        documentLanguages.insert(language)
        lengths.append(UInt32(min(length, Int(UInt32.max))))
        totalLength += length
    }

    /// How many documents hold `term`.
    public func documentFrequency(_ term: String) -> Int { termIDs[term].map { postings[Int($0)].count } ?? 0 }

    /// BM25's inverse document frequency, in its non-negative form `ln(1 + (N − n + 0.5) / (n + 0.5))`.
    public func inverseDocumentFrequency(_ term: String) -> Double {
        let n = Double(documentFrequency(term))
        return log1p((Double(count) - n + 0.5) / (n + 0.5))
    }

    /// The documents `include` admits that share a term with the query, with their BM25 scores,
    /// best first (ties by document number). `queryTerms` holds the query's terms per language,
    /// as `LexicalAnalyzer.terms(_:language:)` gives them for each of `documentLanguages`.
    public func scores(_ queryTerms: [StemmingLanguage?: [String]], include: (Int) -> Bool = { _ in true }) -> [(
        document: Int, score: Double
    )] {
        guard count > 0 else { return [] }
        let averageLength = max(1, Double(totalLength) / Double(count))
        var scores: [Int: Double] = [:]
        for (language, terms) in queryTerms {
            // A word repeated in the question counts once: questions are short and repetition there is noise.
            for term in Set(terms) {
                guard let id = termIDs[term] else { continue }
                let list = postings[Int(id)]
                guard !list.isEmpty else { continue }
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
