import Foundation
import Ingestion
import Testing

@testable import Companin

/// The gap clustering's thresholds against Tests/Fixtures/gap-questions.json: paraphrase groups and
/// singletons in Portuguese and English, in a development split (where each model's threshold was
/// chosen) and a reporting split (where its figures are reported, never tuned).
@Suite struct GapClusteringTests {
    struct Fixture: Decodable {
        struct Group: Decodable {
            var group: String
            var questions: [String]
        }
        var splits: [String: [Group]]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixture: Fixture = {
        let data = try! Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/gap-questions.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()
    static let e5: E5Enricher? = try? E5Enricher(
        directory: ProcessInfo.processInfo.environment["COMPANIN_E5_DIR"] ?? root.appendingPathComponent(E5Enricher.defaultDirectory).path)

    /// The split's questions in a fixed interleaved order (group members do not arrive together),
    /// with their group labels.
    static func questions(_ split: String) -> [(group: String, text: String)] {
        let groups = fixture.splits[split] ?? []
        var items: [(String, String)] = []
        let longest = groups.map(\.questions.count).max() ?? 0
        for round in 0..<longest {
            for group in groups where round < group.questions.count { items.append((group.group, group.questions[round])) }
        }
        return items
    }

    static func score(_ vectors: [[Float]], _ groups: [String], threshold: Float) -> GapClustering.PairwiseScore {
        var clustering = GapClustering(threshold: threshold)
        var labels: [UUID] = []
        for vector in vectors {
            switch clustering.place(vector, newID: UUID()) {
            case .started: labels.append(clustering.clusters[clustering.clusters.count - 1].id)
            case .joined(let index, _): labels.append(clustering.clusters[index].id)
            }
        }
        return GapClustering.PairwiseScore(truth: groups, predicted: labels)
    }

    static func vectors(_ enricher: any Enricher, _ texts: [String]) throws -> [[Float]] {
        try enricher.embed(texts, role: .query).map { GapClustering.unit($0.vector) }
    }

    /// F0.5 of pairwise precision and recall: precision counts twice as much as recall.
    static func f05(_ score: GapClustering.PairwiseScore) -> Double {
        let sum = 0.25 * score.precision + score.recall
        return sum == 0 ? 0 : 1.25 * score.precision * score.recall / sum
    }

    /// Sweeps thresholds on the development split, prints the best, and reports the shipped
    /// threshold's figures on both splits.
    func evaluate(_ enricher: any Enricher) throws -> (
        bestF05: Double, shippedF05: Double, development: GapClustering.PairwiseScore, reporting: GapClustering.PairwiseScore
    ) {
        let development = Self.questions("development")
        let reporting = Self.questions("reporting")
        let developmentVectors = try Self.vectors(enricher, development.map(\.text))
        let reportingVectors = try Self.vectors(enricher, reporting.map(\.text))
        var best: (threshold: Float, f05: Double) = (0, -1)
        for step in 20...196 {
            let threshold = Float(step) / 200
            let f05 = Self.f05(Self.score(developmentVectors, development.map(\.group), threshold: threshold))
            if f05 > best.f05 { best = (threshold, f05) }
        }
        let shipped = GapClustering.threshold(model: enricher.embeddingModel)
        let onDevelopment = Self.score(developmentVectors, development.map(\.group), threshold: shipped)
        let onReporting = Self.score(reportingVectors, reporting.map(\.group), threshold: shipped)
        print(
            """
            gap clustering \(enricher.embeddingModel): best development threshold \(best.threshold) (F0.5 \(String(format: "%.3f", best.f05))); \
            shipped \(shipped): development P \(String(format: "%.3f", onDevelopment.precision)) R \(String(format: "%.3f", onDevelopment.recall)), \
            reporting P \(String(format: "%.3f", onReporting.precision)) R \(String(format: "%.3f", onReporting.recall)) \
            (\(reporting.count) questions, \(onReporting.truePairs) true pairs)
            """)
        return (best.f05, Self.f05(onDevelopment), onDevelopment, onReporting)
    }

    @Test func theFixtureHasTwoSplitsOfGroupsAndSingletons() {
        for split in ["development", "reporting"] {
            let groups = Self.fixture.splits[split] ?? []
            #expect(groups.filter { $0.questions.count == 4 }.count == 16 && groups.filter { $0.questions.count == 1 }.count == 12)
        }
        let development = Set(Self.questions("development").map(\.text))
        #expect(development.isDisjoint(with: Self.questions("reporting").map(\.text)))
    }

    @Test func theNeuralModelGroupsParaphrasesAcrossLanguages() throws {
        let model = try #require(Self.e5, "the embedding model is not installed: run scripts/setup")
        let figures = try evaluate(model)
        // The shipped threshold is the development split's best; the reporting floors sit under
        // the figures printed when it was chosen (README), so a model or clustering change that
        // merges unrelated questions fails here.
        // Within a hair of the best rather than equal to it: the engine's SIMD kernels differ by CPU.
        #expect(figures.shippedF05 >= figures.bestF05 - 0.02)
        #expect(figures.reporting.precision >= 0.55 && figures.reporting.recall >= 0.3)
    }

    @Test func theHashedModelGroupsCloseWordings() throws {
        let figures = try evaluate(LocalEnricher())
        #expect(figures.shippedF05 >= figures.bestF05 - 0.02)
        #expect(figures.reporting.precision >= 0.3)
    }

    @Test func aQuestionJoinsTheNearestGapAboveTheThreshold() {
        var clustering = GapClustering(threshold: 0.8)
        let a = UUID()
        let b = UUID()
        #expect(clustering.place([1, 0, 0], newID: a) == .started)
        #expect(clustering.place([0, 1, 0], newID: b) == .started)
        guard case .joined(1, let similarity) = clustering.place(GapClustering.unit([0.1, 1, 0]), newID: UUID()) else {
            Issue.record("a vector near b's should join b")
            return
        }
        #expect(abs(similarity - 0.995_037) < 1e-5)
        #expect(clustering.clusters[1].questions == 2 && clustering.clusters.count == 2)
        // Its cosine to b's first member is 0.6 and to the second 0.6 · 0.995: the average is under 0.8.
        #expect(clustering.place([0, 0.6, 0.8], newID: UUID()) == .started)
        #expect(GapClustering.medoid(of: [(a, [1, 0, 0]), (b, [0.6, 0.8, 0])], vectorSum: [0.7, 0.7, 0]) == b)
    }

    @Test func pairwiseScoresCountPairs() {
        let score = GapClustering.PairwiseScore(truth: ["x", "x", "x", "y"], predicted: [1, 1, 2, 2])
        #expect(score.truePairs == 3 && score.predictedPairs == 2 && score.correctPairs == 1)
        #expect(score.precision == 0.5 && abs(score.recall - 1.0 / 3) < 1e-9)
    }
}
