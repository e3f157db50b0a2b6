/// Reads text the way lexical search ranks it: words lowercased, stop words and single letters
/// dropped, each word reduced to its Snowball stem in the text's language and then stripped of
/// accents, so "entregas", "entregue" and "Entregá-lo" meet, and so do "devolução" and
/// "devolucoes" typed without accents.
///
/// A text's language is read from its function words; a text with none of them (a table of codes,
/// a single noun) is left unstemmed. Holds libstemmer state and a memo of stems: one per thread.
public final class LexicalAnalyzer {
    private let stemmers: [StemmingLanguage: Stemmer]
    private var memo: [StemmingLanguage?: [String: String]] = [:]
    private var memoCount = 0
    /// Distinct words remembered before the memo starts over: bounds its memory (about 10 MB).
    static let memoLimit = 100_000

    public init() {
        var stemmers: [StemmingLanguage: Stemmer] = [:]
        for language in StemmingLanguage.allCases { stemmers[language] = Stemmer(language) }
        self.stemmers = stemmers
    }

    /// The languages this analyzer can stem (all three with Debian's libstemmer).
    public var languages: [StemmingLanguage] { StemmingLanguage.allCases.filter { stemmers[$0] != nil } }

    /// A text's language and its terms in that language.
    public func analyze(_ text: String) -> (language: StemmingLanguage?, terms: [String]) {
        let words = Self.words(text)
        let language = Self.language(of: words)
        return (language, terms(words, language: language))
    }

    /// The terms of `text` stemmed as `language` (unstemmed when `nil`).
    public func terms(_ text: String, language: StemmingLanguage?) -> [String] {
        terms(Self.words(text), language: language)
    }

    /// The language whose own function words (those the other two languages lack) `text` uses
    /// most; `nil` when it uses none.
    public static func language(of text: String) -> StemmingLanguage? {
        language(of: words(text))
    }

    static func language(of words: [String]) -> StemmingLanguage? {
        var counts: [StemmingLanguage: Int] = [:]
        for word in words {
            if let language = distinctive[word] { counts[language, default: 0] += 1 }
        }
        // Ties go to the order of `StemmingLanguage.allCases`, Portuguese first.
        return StemmingLanguage.allCases.max {
            (counts[$0] ?? 0) < (counts[$1] ?? 0) || ((counts[$0] ?? 0) == (counts[$1] ?? 0) && $0.order > $1.order)
        }
        .flatMap { (counts[$0] ?? 0) > 0 ? $0 : nil }
    }

    private func terms(_ words: [String], language: StemmingLanguage?) -> [String] {
        var terms: [String] = []
        terms.reserveCapacity(words.count)
        for word in words where word.unicodeScalars.count > 1 && !StopWords.contains(lowercased: word) {
            terms.append(term(word, language: language))
        }
        return terms
    }

    private func term(_ word: String, language: StemmingLanguage?) -> String {
        if let known = memo[language]?[word] { return known }
        let typed = language == .portuguese ? Self.restoringPortugueseAccents(word) : word
        let stem = language.flatMap { stemmers[$0] }?.stem(typed) ?? typed
        let term = stem.utf8.allSatisfy { $0 < 0x80 } ? stem : EnrichmentText.fold(stem)
        if memoCount >= Self.memoLimit {
            memo.removeAll(keepingCapacity: true)
            memoCount = 0
        }
        memo[language, default: [:]][word] = term
        memoCount += 1
        return term
    }

    /// Portuguese typed without accents, as customers often write it, put back where the spelling
    /// leaves no doubt: no Portuguese word ends in an unaccented "-cao", "-coes", "-oes" or "-ao"
    /// (but "ao" itself), and the stemmer needs the accents to find the suffix ("devolucao" and
    /// "devoluções" must meet "devolução").
    static func restoringPortugueseAccents(_ word: String) -> String {
        guard word.utf8.count > 3, word.utf8.allSatisfy({ $0 < 0x80 }) else { return word }
        for (ending, accented) in [("coes", "ções"), ("cao", "ção"), ("oes", "ões"), ("ao", "ão")] where word.hasSuffix(ending) {
            return String(word.dropLast(ending.count)) + accented
        }
        return word
    }

    /// The words of `text`, lowercased, accents kept (stemmers need them).
    static func words(_ text: String) -> [String] {
        EnrichmentText.words(text).map(\.text)
    }

    /// Function words that belong to one language only, with their language.
    static let distinctive: [String: StemmingLanguage] = {
        let lists: [(StemmingLanguage, Set<String>)] = [
            (.portuguese, StopWords.portuguese), (.english, StopWords.english), (.spanish, StopWords.spanish),
        ]
        var result: [String: StemmingLanguage] = [:]
        for (language, words) in lists {
            let others = lists.filter { $0.0 != language }.reduce(into: Set<String>()) { $0.formUnion($1.1) }
            for word in words.subtracting(others) where word.count > 1 { result[word] = language }
        }
        return result
    }()
}

extension StemmingLanguage {
    var order: Int { Self.allCases.firstIndex(of: self)! }

    /// The language of a BCP 47 tag ("pt-BR" → Portuguese), when Companin stems it.
    public init?(tag: String) {
        switch tag.split(separator: "-").first.map({ $0.lowercased() }) {
        case "pt": self = .portuguese
        case "en": self = .english
        case "es": self = .spanish
        default: return nil
        }
    }
}
