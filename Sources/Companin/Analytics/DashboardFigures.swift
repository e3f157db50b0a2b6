import Foundation
import MariaDB

/// The figures of the operator dashboard that the request log does not hold: satisfaction from
/// feedback, the state of the knowledge, and the keys to filter by. Scoped like `AnalyticsStore`:
/// one organization, or (`nil`, operators only) every one.
struct DashboardFigures {
    let scope: AnalyticsScope

    init(database: Connection, organizationID: UUID?) {
        scope = AnalyticsScope(database: database, organizationID: organizationID)
    }

    // MARK: Keys

    struct KeyActivity: Encodable, Decodable {
        var id: UUID
        var name: String
        var revoked: Bool
        var requests: Int
    }

    /// Every key in scope, oldest first, with its requests in the window.
    func keys(requests: [UUID: Int]) throws -> [KeyActivity] {
        try scope.fetchAll(
            KeyActivity.self,
            """
            SELECT k.id, k.name, k.revoked_at IS NOT NULL AS revoked, 0 AS requests FROM api_keys k
            WHERE \(scope.condition("k")) ORDER BY k.created_at, k.id
            """
        ).map { key in
            var key = key
            key.requests = requests[key.id] ?? 0
            return key
        }
    }

    // MARK: Feedback

    /// Ratings that count (each rater's current one), their average and CSAT: the share of 4 and 5.
    struct Satisfaction: Encodable, Equatable {
        var ratings: Int
        var averageRating: Double?
        var csatPercent: Double?

        init(ratings: Int, sum: Int, satisfied: Int) {
            self.ratings = ratings
            averageRating = ratings > 0 ? (Double(sum) / Double(ratings) * 100).rounded() / 100 : nil
            csatPercent = ratings > 0 ? (Double(satisfied) / Double(ratings) * 1_000).rounded() / 10 : nil
        }
    }

    struct AssistantSatisfaction: Encodable {
        var assistantID: UUID
        var assistantName: String
        var assistantVersion: Int
        var satisfaction: Satisfaction

        enum CodingKeys: String, CodingKey {
            case assistantID = "assistant_id"
            case assistantName = "assistant_name"
            case assistantVersion = "assistant_version"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(assistantID, forKey: .assistantID)
            try container.encode(assistantName, forKey: .assistantName)
            try container.encode(assistantVersion, forKey: .assistantVersion)
            try satisfaction.encode(to: encoder)
        }
    }

    /// Rating counts as selected by `feedback`.
    private struct Counts: Decodable, FlattenedColumns {
        var ratings: Int
        var ratingSum: Int
        var satisfied: Int

        var satisfaction: Satisfaction { Satisfaction(ratings: ratings, sum: ratingSum, satisfied: satisfied) }
    }

    private struct PeriodCounts: Decodable {
        var start: Int64
        var counts: Counts
    }

    private struct AssistantCounts: Decodable {
        var assistantID: UUID
        var assistantVersion: Int
        var assistantName: String
        var counts: Counts
    }

    struct Comment: Codable {
        var conversationID: UUID
        var assistantID: UUID
        var assistantName: String
        var assistantVersion: Int
        var rating: Int
        var comment: String
        var createdAt: Date
    }

    struct Feedback {
        var totals: Satisfaction
        /// Satisfaction per period start (hour or day) that has ratings.
        var periods: [Date: Satisfaction]
        var assistants: [AssistantSatisfaction]
        var comments: [Comment]
    }

    /// Latest comments shown.
    static let comments = 10

    /// Current ratings given in `[from, to)`, optionally through one key, per `period` seconds.
    func feedback(from: Date, to: Date, apiKeyID: UUID?, period: TimeInterval) throws -> Feedback {
        var conditions: [SQL] = [scope.condition("f"), "f.is_current AND f.created_at >= \(from) AND f.created_at < \(to)"]
        if let apiKeyID { conditions.append("f.api_key_id = \(apiKeyID)") }
        let condition = SQL.joined(conditions, separator: " AND ")
        let counts: SQL = "COUNT(*) AS ratings, COALESCE(SUM(f.rating), 0) AS rating_sum, COALESCE(SUM(f.rating >= 4), 0) AS satisfied"
        let totals =
            try scope.fetchAll(Counts.self, "SELECT \(counts) FROM feedback f WHERE \(condition)").first?.satisfaction
            ?? Satisfaction(ratings: 0, sum: 0, satisfied: 0)
        // Periods are whole seconds since the epoch in UTC, like the usage buckets.
        var periods: [Date: Satisfaction] = [:]
        for row in try scope.fetchAll(
            PeriodCounts.self,
            """
            SELECT FLOOR(UNIX_TIMESTAMP(f.created_at) / \(Int(period))) * \(Int(period)) AS start, \(counts) FROM feedback f
            WHERE \(condition) GROUP BY 1
            """)
        {
            periods[Date(timeIntervalSince1970: Double(row.start))] = row.counts.satisfaction
        }
        let assistants = try scope.fetchAll(
            AssistantCounts.self,
            """
            SELECT f.assistant_id, f.assistant_version, v.name AS assistant_name, \(counts) FROM feedback f
            JOIN assistant_versions v ON v.assistant_id = f.assistant_id AND v.version = f.assistant_version
            WHERE \(condition) GROUP BY f.assistant_id, f.assistant_version, v.name ORDER BY ratings DESC, v.name, f.assistant_version
            """
        ).map {
            AssistantSatisfaction(
                assistantID: $0.assistantID, assistantName: $0.assistantName, assistantVersion: $0.assistantVersion,
                satisfaction: $0.counts.satisfaction)
        }
        let comments = try scope.fetchAll(
            Comment.self,
            """
            SELECT f.conversation_id, f.assistant_id, f.assistant_version, v.name AS assistant_name, f.rating, f.comment, f.created_at
            FROM feedback f JOIN assistant_versions v ON v.assistant_id = f.assistant_id AND v.version = f.assistant_version
            WHERE \(condition) AND f.comment IS NOT NULL ORDER BY f.created_at DESC, f.id LIMIT \(Self.comments)
            """)
        return Feedback(totals: totals, periods: periods, assistants: assistants, comments: comments)
    }

    // MARK: Knowledge

    struct StatusCount: Codable {
        var kind: String
        var status: String
        var sources: Int
    }

    struct FailedSource: Codable {
        var id: UUID
        var kind: String
        var title: String
        var errorCode: String?
        var errorMessage: String?
        var failedAt: Date?
    }

    /// Failed sources listed, most recent failure first.
    static let failedSources = 20

    struct ModelCount: Codable {
        var model: String
        var chunks: Int
    }

    /// Chunks per embedding model: during a move to a new model, how far it got.
    func embeddingModels() throws -> [ModelCount] {
        try scope.fetchAll(
            ModelCount.self,
            """
            SELECT c.embedding_model AS model, COUNT(*) AS chunks FROM knowledge_chunks c WHERE \(scope.condition("c"))
            GROUP BY c.embedding_model ORDER BY c.embedding_model
            """)
    }

    /// Sources per kind and status now, and the latest failed ones with their reasons.
    func knowledge() throws -> (statuses: [StatusCount], failed: [FailedSource], failedCount: Int) {
        let statuses = try scope.fetchAll(
            StatusCount.self,
            """
            SELECT s.kind, s.status, COUNT(*) AS sources FROM knowledge_sources s WHERE \(scope.condition("s"))
            GROUP BY s.kind, s.status ORDER BY s.kind, s.status
            """)
        let failed = try scope.fetchAll(
            FailedSource.self,
            """
            SELECT s.id, s.kind, s.title, s.error_code, s.error_message, s.failed_at FROM knowledge_sources s
            WHERE \(scope.condition("s")) AND s.status = 'failed' ORDER BY s.failed_at DESC, s.id LIMIT \(Self.failedSources)
            """)
        return (statuses, failed, statuses.filter { $0.status == "failed" }.reduce(0) { $0 + $1.sources })
    }
}
