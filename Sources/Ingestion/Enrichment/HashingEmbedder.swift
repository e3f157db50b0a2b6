import Foundation

/// Embeds text by feature hashing (the "hashing trick"): no model, no training, no network.
///
/// The text is split into words, each lowercased and stripped of accents ("Ação" and "acao"
/// match; ASCII words without calling Foundation), and Portuguese, English and Spanish stop
/// words are dropped. Each remaining word contributes
/// three kinds of feature:
/// - the word itself (weight 1.0),
/// - the pair it forms with the next remaining word (weight 0.7), for word order and phrases,
/// - its character trigrams with boundary markers, `<ação>` → `<ac`, `aca`, `cao`, `ao>`
///   (weight 0.4 each), so inflections and typos still share most features.
///
/// A feature is hashed with FNV-1a (mixed with splitmix64, salted by kind) into one of
/// `dimension` buckets, with a sign taken from the hash so collisions cancel out on average,
/// and adds `kind weight × (1 + ln(term frequency))`. The vector is L2-normalized; a text with
/// no words gives the zero vector. The same text gives the same vector in every process and on
/// every run: nothing depends on Swift's per-process hash seed or on dictionary order.
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
        var unigrams = FeatureCounter()
        var bigrams = FeatureCounter()
        var trigrams = FeatureCounter()
        var word: [Unicode.Scalar] = []
        var wordIsASCII = true
        var previousWord: UInt64?

        func finishWord() {
            guard !word.isEmpty else { return }
            defer {
                word.removeAll(keepingCapacity: true)
                wordIsASCII = true
            }
            // Fold each word on its own: ASCII (most words) without Foundation.
            if wordIsASCII {
                for index in word.indices where word[index].value >= 0x41 && word[index].value <= 0x5A {
                    word[index] = Unicode.Scalar(UInt8(word[index].value + 0x20))
                }
            } else {
                word = Array(EnrichmentText.fold(String(String.UnicodeScalarView(word))).unicodeScalars)
                guard !word.isEmpty else { return }
            }
            let wordHash = FNV1a.hash(word)
            guard !Self.stopWordHashes.contains(wordHash) else { return }
            unigrams.add(FNV1a.mix(wordHash ^ Self.unigramSalt))
            if let previous = previousWord {
                // Rotating the first word makes the pair ordered: "a b" differs from "b a".
                let rotated = (previous << 23) | (previous >> 41)
                bigrams.add(FNV1a.mix(rotated ^ wordHash ^ Self.bigramSalt))
            }
            previousWord = wordHash
            // Trigrams of "<word>": a one-letter word gives the single trigram "<w>".
            let count = word.count
            for start in 0..<count {
                var hasher = FNV1a()
                hasher.add(start == 0 ? Self.boundaryStart : word[start - 1])
                hasher.add(word[start])
                hasher.add(start + 1 == count ? Self.boundaryEnd : word[start + 1])
                trigrams.add(FNV1a.mix(hasher.value ^ Self.trigramSalt))
            }
        }

        for scalar in text.unicodeScalars {
            if EnrichmentText.isWordScalar(scalar) {
                word.append(scalar)
                if !scalar.isASCII { wordIsASCII = false }
            } else {
                finishWord()
            }
        }
        finishWord()

        var vector = [Float](repeating: 0, count: dimension)
        add(unigrams, weight: Self.unigramWeight, to: &vector)
        add(bigrams, weight: Self.bigramWeight, to: &vector)
        add(trigrams, weight: Self.trigramWeight, to: &vector)

        var squares: Float = 0
        for value in vector { squares += value * value }
        guard squares > 0 else { return vector }
        let scale = 1 / squares.squareRoot()
        for index in vector.indices { vector[index] *= scale }
        return vector
    }

    /// Adds each distinct feature once, in order of first occurrence (so the summation order,
    /// and every bit of the result, is fixed), with weight × (1 + ln tf).
    private func add(_ features: FeatureCounter, weight: Float, to vector: inout [Float]) {
        let buckets = UInt64(dimension)
        for index in features.distinct.indices {
            let feature = features.distinct[index]
            let value = weight * (1 + Float(log(Double(features.counts[index]))))
            let bucket = Int(feature % buckets)
            vector[bucket] += feature >> 63 == 0 ? value : -value
        }
    }
}

/// Counts 64-bit features in an open-addressing table (linear probing, grown at half load).
///
/// Sorting the features to count them was the slowest part of embedding in debug builds; this
/// keeps the work linear and the first-occurrence order.
struct FeatureCounter {
    /// Distinct features in order of first occurrence, and how often each occurred.
    private(set) var distinct: [UInt64] = []
    private(set) var counts: [Int32] = []
    /// Table slots: 0 is empty, otherwise 1 + an index into `distinct`.
    private var slots: [Int32] = [Int32](repeating: 0, count: 64)
    private var mask = 63

    mutating func add(_ feature: UInt64) {
        var slot = Int(truncatingIfNeeded: feature) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 {
                distinct.append(feature)
                counts.append(1)
                slots[slot] = Int32(distinct.count)
                if distinct.count * 2 > mask + 1 { grow() }
                return
            }
            if distinct[entry - 1] == feature {
                counts[entry - 1] += 1
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let capacity = (mask + 1) * 2
        mask = capacity - 1
        slots = [Int32](repeating: 0, count: capacity)
        for (index, feature) in distinct.enumerated() {
            var slot = Int(truncatingIfNeeded: feature) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index + 1)
        }
    }
}
