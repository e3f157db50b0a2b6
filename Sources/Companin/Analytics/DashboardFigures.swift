import Foundation
import MariaDB

/// The figures of the operator dashboard that the request log does not hold: satisfaction from
/// feedback, the state of the knowledge, and the keys to filter by. Scoped like `AnalyticsStore`:
/// one organization, or (`nil`, operators only) every one.
struct DashboardFigures {
    let database: Connection
    let organizationID: UUID?

    private func scope(_ alias: String) -> SQLFilter {
        if let organizationID { return SQLFilter("\(alias).organization_id = ?", [organizationID.databaseValue]) }
        return SQLFilter("\(alias).organization_id IS NOT NULL", [])
    }

    // MARK: Keys

    struct KeyActivity: Encodable {
        var id: UUID
        var name: String
        var revoked: Bool
        var requests: Int
    }

    /// Every key in scope, oldest first, with its requests in the window.
    func keys(requests: [UUID: Int]) throws -> [KeyActivity] {
        let condition = scope("k")
        return try database.query(
            sql: """
            SELECT k.id, k.name, k.revoked_at IS NOT NULL AS revoked FROM api_keys k WHERE \(condition.sql) ORDER BY k.created_at, k.id
            """, condition.values
        ).map { row in
            let id = try row.decode(UUID.self, "id")
            return KeyActivity(
                id: id, name: try row.decode(String.self, "name"), revoked: try row.decode(Bool.self, "revoked"),
                requests: requests[id] ?? 0)
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

        // `nil` is written as `null` by the API's encoder: the keys are always there.
        enum CodingKeys: String, CodingKey {
            case ratings
            case averageRating = "average_rating"
            case csatPercent = "csat_percent"
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

    struct Comment: Encodable {
        var conversationID: UUID
        var assistantID: UUID
        var assistantName: String
        var assistantVersion: Int
        var rating: Int
        var comment: String
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case conversationID = "conversation_id"
            case assistantID = "assistant_id"
            case assistantName = "assistant_name"
            case assistantVersion = "assistant_version"
            case rating, comment
            case createdAt = "created_at"
        }
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
        var condition = scope("f")
        condition.add("f.is_current AND f.created_at >= ? AND f.created_at < ?", [from.databaseValue, to.databaseValue])
        condition.add("f.api_key_id = ?", ifPresent: apiKeyID)
        let counts = "COUNT(*) AS ratings, SUM(f.rating) AS rating_sum, SUM(f.rating >= 4) AS satisfied"
        func satisfaction(_ row: Row) throws -> Satisfaction {
            Satisfaction(
                ratings: try row.decode(Int.self, "ratings"), sum: try row.decode(Int?.self, "rating_sum") ?? 0,
                satisfied: try row.decode(Int?.self, "satisfied") ?? 0)
        }
        let totals =
            try database.query(sql: "SELECT \(counts) FROM feedback f WHERE \(condition.sql)", condition.values)
            .first.map(satisfaction) ?? Satisfaction(ratings: 0, sum: 0, satisfied: 0)
        // Periods are whole seconds since the epoch in UTC, like the usage buckets.
        var periods: [Date: Satisfaction] = [:]
        for row in try database.query(
            sql: """
            SELECT FLOOR(UNIX_TIMESTAMP(f.created_at) / ?) * ? AS start, \(counts) FROM feedback f WHERE \(condition.sql) GROUP BY 1
            """, [.int(Int64(period)), .int(Int64(period))] + condition.values)
        {
            periods[Date(timeIntervalSince1970: Double(try row.decode(Int64.self, "start")))] = try satisfaction(row)
        }
        let assistants = try database.query(
            sql: """
            SELECT f.assistant_id, f.assistant_version, v.name, \(counts) FROM feedback f
            JOIN assistant_versions v ON v.assistant_id = f.assistant_id AND v.version = f.assistant_version
            WHERE \(condition.sql) GROUP BY f.assistant_id, f.assistant_version, v.name ORDER BY ratings DESC, v.name, f.assistant_version
            """, condition.values
        ).map { row in
            AssistantSatisfaction(
                assistantID: try row.decode(UUID.self, "assistant_id"), assistantName: try row.decode(String.self, "name"),
                assistantVersion: try row.decode(Int.self, "assistant_version"), satisfaction: try satisfaction(row))
        }
        let comments = try database.query(
            sql: """
            SELECT f.conversation_id, f.assistant_id, f.assistant_version, v.name, f.rating, f.comment, f.created_at FROM feedback f
            JOIN assistant_versions v ON v.assistant_id = f.assistant_id AND v.version = f.assistant_version
            WHERE \(condition.sql) AND f.comment IS NOT NULL ORDER BY f.created_at DESC, f.id LIMIT ?
            """, condition.values + [.int(Int64(Self.comments))]
        ).map { row in
            Comment(
                conversationID: try row.decode(UUID.self, "conversation_id"), assistantID: try row.decode(UUID.self, "assistant_id"),
                assistantName: try row.decode(String.self, "name"), assistantVersion: try row.decode(Int.self, "assistant_version"),
                rating: try row.decode(Int.self, "rating"), comment: try row.decode(String.self, "comment"),
                createdAt: try row.decode(Date.self, "created_at"))
        }
        return Feedback(totals: totals, periods: periods, assistants: assistants, comments: comments)
    }

    // MARK: Knowledge

    struct StatusCount: Encodable {
        var kind: String
        var status: String
        var sources: Int
    }

    struct FailedSource: Encodable {
        var id: UUID
        var kind: String
        var title: String
        var errorCode: String?
        var errorMessage: String?
        var failedAt: Date?

        enum CodingKeys: String, CodingKey {
            case id, kind, title
            case errorCode = "error_code"
            case errorMessage = "error_message"
            case failedAt = "failed_at"
        }
    }

    /// Failed sources listed, most recent failure first.
    static let failedSources = 20

    struct ModelCount: Encodable {
        var model: String
        var chunks: Int
    }

    /// Chunks per embedding model: during a move to a new model, how far it got.
    func embeddingModels() throws -> [ModelCount] {
        let condition = scope("c")
        return try database.query(
            sql: """
            SELECT c.embedding_model, COUNT(*) AS chunks FROM knowledge_chunks c WHERE \(condition.sql)
            GROUP BY c.embedding_model ORDER BY c.embedding_model
            """, condition.values
        ).map { ModelCount(model: try $0.decode(String.self, "embedding_model"), chunks: try $0.decode(Int.self, "chunks")) }
    }

    /// Sources per kind and status now, and the latest failed ones with their reasons.
    func knowledge() throws -> (statuses: [StatusCount], failed: [FailedSource], failedCount: Int) {
        let condition = scope("s")
        let statuses = try database.query(
            sql: """
            SELECT s.kind, s.status, COUNT(*) AS sources FROM knowledge_sources s WHERE \(condition.sql)
            GROUP BY s.kind, s.status ORDER BY s.kind, s.status
            """, condition.values
        ).map { row in
            StatusCount(
                kind: try row.decode(String.self, "kind"), status: try row.decode(String.self, "status"),
                sources: try row.decode(Int.self, "sources"))
        }
        let failed = try database.query(
            sql: """
            SELECT s.id, s.kind, s.title, s.error_code, s.error_message, s.failed_at FROM knowledge_sources s
            WHERE \(condition.sql) AND s.status = 'failed' ORDER BY s.failed_at DESC, s.id LIMIT ?
            """, condition.values + [.int(Int64(Self.failedSources))]
        ).map { row in
            FailedSource(
                id: try row.decode(UUID.self, "id"), kind: try row.decode(String.self, "kind"), title: try row.decode(String.self, "title"),
                errorCode: try row.decode(String?.self, "error_code"), errorMessage: try row.decode(String?.self, "error_message"),
                failedAt: try row.decode(Date?.self, "failed_at"))
        }
        return (statuses, failed, statuses.filter { $0.status == "failed" }.reduce(0) { $0 + $1.sources })
    }
}
