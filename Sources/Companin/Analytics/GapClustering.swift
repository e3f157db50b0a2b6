import Foundation
import Ingestion

/// Groups questions by meaning, one question at a time: a question joins the gap whose members it
/// is closest to on average (average linkage) when that average cosine reaches the model's
/// threshold, else it starts a gap. With unit vectors the average is the dot product with the sum
/// of the members' vectors over their number, so a gap keeps only that sum and its size.
///
/// Incremental on purpose: a gap keeps its id and its answer as questions arrive, where clustering
/// every question again would renumber them.
struct GapClustering {
    /// A gap being filled: its id and the sum of its members' unit vectors.
    struct Cluster {
        var id: UUID
        var vectorSum: [Float]
        var questions: Int
    }

    /// Where a question went: an existing cluster (its index) or a new one, with its average
    /// cosine to the cluster's members.
    enum Placement: Equatable {
        case joined(index: Int, similarity: Float)
        case started
    }

    var threshold: Float
    private(set) var clusters: [Cluster]

    init(threshold: Float, clusters: [Cluster] = []) {
        self.threshold = threshold
        self.clusters = clusters
    }

    /// The average cosine a question must reach to join a gap, for vectors of `model`.
    ///
    /// Each is the threshold with the best pairwise F0.5 (precision weighted: one answer written
    /// for two different questions is the costlier mistake) on the development split of
    /// Tests/Fixtures/gap-questions.json; `GapClusteringTests` prints the reporting split's figures
    /// (README, "Knowledge gaps"). A model without figures uses `fallbackThreshold`, high enough
    /// to keep gaps narrow on any model whose cosines run as high as E5's.
    static func threshold(model: String) -> Float {
        switch model {
        case E5Enricher.modelName: 0.885
        case LocalEnricher.modelName: 0.365
        default: fallbackThreshold
        }
    }

    static let fallbackThreshold: Float = 0.90

    /// Places a question's unit vector and updates the cluster it joins; a started cluster is
    /// appended with `newID`.
    @discardableResult
    mutating func place(_ vector: [Float], newID: UUID) -> Placement {
        var best: (index: Int, similarity: Float)?
        for (index, cluster) in clusters.enumerated() where cluster.vectorSum.count == vector.count {
            var dot: Float = 0
            for dimension in vector.indices { dot += vector[dimension] * cluster.vectorSum[dimension] }
            let similarity = dot / Float(max(cluster.questions, 1))
            if similarity >= threshold, similarity > (best?.similarity ?? -.infinity) { best = (index, similarity) }
        }
        guard let best else {
            clusters.append(Cluster(id: newID, vectorSum: vector, questions: 1))
            return .started
        }
        for dimension in vector.indices { clusters[best.index].vectorSum[dimension] += vector[dimension] }
        clusters[best.index].questions += 1
        return .joined(index: best.index, similarity: best.similarity)
    }

    /// `vector` scaled to length 1 (zero stays zero).
    static func unit(_ vector: [Float]) -> [Float] {
        let length = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return vector }
        return vector.map { $0 / length }
    }

    /// Of `members`, the one closest to the direction of `vectorSum`: the gap's representative.
    static func medoid(of members: [(id: UUID, vector: [Float])], vectorSum: [Float]) -> UUID? {
        members.max { Embedding.cosine($0.vector, vectorSum) < Embedding.cosine($1.vector, vectorSum) }?.id
    }
}

extension GapClustering {
    /// Pairwise agreement of a clustering with the true groups: of the pairs put together, the
    /// share that belong together (precision), and of the pairs that belong together, the share
    /// put together (recall).
    struct PairwiseScore: Equatable {
        var truePairs = 0
        var predictedPairs = 0
        var correctPairs = 0

        var precision: Double { predictedPairs == 0 ? 1 : Double(correctPairs) / Double(predictedPairs) }
        var recall: Double { truePairs == 0 ? 1 : Double(correctPairs) / Double(truePairs) }

        /// Scores `predicted[i]` (a cluster label) against `truth[i]` (a group label).
        init<A: Hashable, B: Hashable>(truth: [A], predicted: [B]) {
            precondition(truth.count == predicted.count)
            for i in truth.indices {
                for j in truth.indices where j > i {
                    let together = truth[i] == truth[j]
                    let put = predicted[i] == predicted[j]
                    if together { truePairs += 1 }
                    if put { predictedPairs += 1 }
                    if together && put { correctPairs += 1 }
                }
            }
        }
    }
}
