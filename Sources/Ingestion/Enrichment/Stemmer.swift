import CStemmer

/// A language whose words Companin reduces to stems, with Snowball's algorithm for it.
public enum StemmingLanguage: String, CaseIterable, Sendable {
    case portuguese, english, spanish
}

/// One Snowball stemmer (libstemmer) for one language. Not thread-safe: the C stemmer keeps its
/// working buffer, so each thread (each responder or worker) holds its own.
final class Stemmer {
    let language: StemmingLanguage
    private let stemmer: OpaquePointer

    /// `nil` when the library lacks the language (a build of libstemmer without it).
    init?(_ language: StemmingLanguage) {
        guard let stemmer = sb_stemmer_new(language.rawValue, "UTF_8") else { return nil }
        self.language = language
        self.stemmer = stemmer
    }

    deinit { sb_stemmer_delete(stemmer) }

    /// The stem of a lowercase word; the word itself when the stemmer fails (out of memory).
    func stem(_ word: String) -> String {
        var word = word
        return word.withUTF8 { bytes -> String in
            guard let base = bytes.baseAddress,
                let stemmed = sb_stemmer_stem(stemmer, base, Int32(bytes.count))
            else { return String(decoding: bytes, as: UTF8.self) }
            let length = Int(sb_stemmer_length(stemmer))
            return String(decoding: UnsafeBufferPointer(start: stemmed, count: length), as: UTF8.self)
        }
    }
}
