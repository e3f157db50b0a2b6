import Foundation
import Ingestion

/// When a reply answers from the knowledge rather than handing the question to a human.
///
/// A chunk answers when it holds a good part of the question's weight (`relevantCoverage`, and at
/// least two of its terms when it has two), or somewhat less (`supportedCoverage`) but close in
/// meaning (`supportingSimilarity`), or it is very close in meaning alone (`similarOnly`: what lets
/// a question in one language be answered from a document in another). A Q&A pair answers
/// outright when its question and the visitor's share most of their weight both ways
/// (`pairCoverage`, `pairReverseCoverage`), or when the pair is nearly the question in meaning
/// (`pairSimilarity`).
///
/// Similarities are on each embedding model's own scale, so each known model has its own figures,
/// chosen with `scripts/eval-retrieval --calibrate` on the development split of Tests/Retrieval and
/// reported on the other split; a model without figures — or a search that ran without its model —
/// decides by words alone. Operators of another model set theirs with `Settings.replyThresholds`.
public struct ReplyThresholds: Equatable, Sendable {
    public var relevantCoverage = 0.4
    public var supportedCoverage = 0.3
    public var supportingSimilarity: Double = .infinity
    public var similarOnly: Double = .infinity
    public var pairCoverage = 0.6
    public var pairReverseCoverage = 0.5
    public var pairSimilarity: Double = .infinity

    public init() {}

    /// Words alone.
    public static let lexical = ReplyThresholds()

    /// The calibrated figures of `model`, or `.lexical` for a model without any.
    public static func `for`(model: String) -> ReplyThresholds {
        var thresholds = ReplyThresholds()
        switch model {
        case LocalEnricher.modelName:
            thresholds.supportingSimilarity = 0.3
        case E5Enricher.modelName:
            // `scripts/eval-retrieval --calibrate`, dev split: first source right 0.780, a right
            // source cited 0.866, unanswerable handed off 0.522 (README for the report split).
            thresholds.relevantCoverage = 0.5
            thresholds.supportingSimilarity = 0.82
            thresholds.similarOnly = 0.87
            thresholds.pairSimilarity = 0.93
        default:
            break
        }
        return thresholds
    }

    /// The names `init(parsing:)` reads, each a number: `similar_only=0.86,pair_similarity=0.92`.
    static var settings: [(name: String, path: WritableKeyPath<ReplyThresholds, Double>)] {
        [
            ("relevant_coverage", \.relevantCoverage), ("supported_coverage", \.supportedCoverage),
            ("supporting_similarity", \.supportingSimilarity), ("similar_only", \.similarOnly),
            ("pair_coverage", \.pairCoverage), ("pair_reverse_coverage", \.pairReverseCoverage),
            ("pair_similarity", \.pairSimilarity),
        ]
    }

    public static var settingNames: [String] { settings.map(\.name) }

    /// `base` with the settings of `text` (`name=number` pairs separated by commas; `off` for a
    /// similarity that should never decide alone); `nil` when a name or a number is not valid.
    public init?(parsing text: String, base: ReplyThresholds) {
        self = base
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let setting = Self.settings.first(where: { $0.name == pair[0] }) else { return nil }
            let value: Double
            if pair[1] == "off" {
                value = .infinity
            } else if let number = Double(pair[1]), number.isFinite {
                value = number
            } else {
                return nil
            }
            self[keyPath: setting.path] = value
        }
    }
}
