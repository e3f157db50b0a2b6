import Foundation

/// Embeds text by feature hashing (the "hashing trick"): no model, no training, no network.
///
/// The text is lowercased and stripped of accents ("Ação" and "acao" match), split into words,
/// and Portuguese, English and Spanish stop words are dropped. Each remaining word contributes
/// three kinds of feature:
/// - the word itself (weight 1.0),
/// - the pair it forms with the next remaining word (weight 0.7), for word order and phrases,
/// - its character trigrams with boundary markers, `<ação>` → `<ac`, `aca`, `cao`, `ao>`
///   (weight 0.4 each), so inflections and typos still share most features.
///
/// A feature is hashed with FNV-1a (mixed with splitmix64, salted by kind) into one of
/// `dimension` buckets, with a sign taken from the hash so collisions cancel out on average,
/// and adds `kind weight × (1 + ln(term frequency))`. The vector is L2-normalized; a text with
/// no words gives the zero vector. The same text gives bit-identical vectors in every process.
struct HashingEmbedder: Sendable {
    let dimension: Int

    static let unigramWeight: Float = 1.0
    static let bigramWeight: Float = 0.7
    static let trigramWeight: Float = 0.4

    private static let unigramSalt: UInt64 = 0x7531_2468_0000_0001
    private static let bigramSalt: UInt64 = 0x7531_2468_0000_0002
    private static let trigramSalt: UInt64 = 0x7531_2468_0000_0003
    private static let boundaryStart: Unicode.Scalar = "<"
    private static let boundaryEnd: Unicode.Scalar = ">"

    /// FNV-1a hashes of the folded stop words, so a word is checked without building a String.
    private static let stopWordHashes: Set<UInt64> = Set(StopWords.folded.map { FNV1a.hash($0) })

    func embed(_ text: String) -> [Float] {
        var unigrams: [UInt64] = []
        var bigrams: [UInt64] = []
        var trigrams: [UInt64] = []
        var word: [Unicode.Scalar] = []
        var previousWord: UInt64?

        func finishWord() {
            guard !word.isEmpty else { return }
            defer { word.removeAll(keepingCapacity: true) }
            let wordHash = FNV1a.hash(word)
            guard !Self.stopWordHashes.contains(wordHash) else { return }
            unigrams.append(FNV1a.mix(wordHash ^ Self.unigramSalt))
            if let previous = previousWord {
                // Rotating the first word makes the pair ordered: "a b" differs from "b a".
                let rotated = (previous << 23) | (previous >> 41)
                bigrams.append(FNV1a.mix(rotated ^ wordHash ^ Self.bigramSalt))
            }
            previousWord = wordHash
            // Trigrams of "<word>": a one-letter word gives the single trigram "<w>".
            let count = word.count
            for start in 0 ..< count {
                var hasher = FNV1a()
                hasher.add(start == 0 ? Self.boundaryStart : word[start - 1])
                hasher.add(word[start])
                hasher.add(start + 1 == count ? Self.boundaryEnd : word[start + 1])
                trigrams.append(FNV1a.mix(hasher.value ^ Self.trigramSalt))
            }
        }

        for scalar in EnrichmentText.fold(text).unicodeScalars {
            if EnrichmentText.isWordScalar(scalar) {
                word.append(scalar)
            } else {
                finishWord()
            }
        }
        finishWord()

        var vector = [Float](repeating: 0, count: dimension)
        add(&unigrams, weight: Self.unigramWeight, to: &vector)
        add(&bigrams, weight: Self.bigramWeight, to: &vector)
        add(&trigrams, weight: Self.trigramWeight, to: &vector)

        var squares: Float = 0
        for value in vector { squares += value * value }
        guard squares > 0 else { return vector }
        let scale = 1 / squares.squareRoot()
        for index in vector.indices { vector[index] *= scale }
        return vector
    }

    /// Counts equal features (after sorting, so the summation order is fixed) and adds each
    /// distinct feature once with weight × (1 + ln tf).
    private func add(_ features: inout [UInt64], weight: Float, to vector: inout [Float]) {
        features.sort()
        let buckets = UInt64(dimension)
        var index = 0
        while index < features.count {
            let feature = features[index]
            var end = index + 1
            while end < features.count, features[end] == feature { end += 1 }
            let value = weight * (1 + Float(log(Double(end - index))))
            let bucket = Int(feature % buckets)
            vector[bucket] += feature >> 63 == 0 ? value : -value
            index = end
        }
    }
}
