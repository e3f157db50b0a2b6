import Foundation
import HTTP
import Ingestion
import MariaDB

/// Knowledge gaps of one organization: the questions its assistants could not answer well,
/// grouped by meaning (`GapClustering`), with exact figures over a time range, and answered by
/// writing a Q&A pair.
struct GapStore {
    let db: ScopedConnection
    let enricher: any Enricher

    /// Why a question is a gap question.
    enum Reason: String, CaseIterable, Codable, Sendable {
        /// Its reply handed it to a human (grounding `none`), or it was the visitor's last question
        /// before the conversation was handed off.
        case handedOff = "handed_off"
        /// Its reply was written from the knowledge or a model without citing any source.
        case noSources = "no_sources"
        /// Its reply, or its conversation as a whole after it was asked, has a current rating of 1 or 2.
        case lowRating = "low_rating"

        /// The candidate column that says it.
        var column: SQL {
            switch self {
            case .handedOff: "k.handed_off"
            case .noSources: "k.no_sources"
            case .lowRating: "k.low_rating"
            }
        }
    }

    enum Status: String, CaseIterable, Codable, Sendable {
        case open, answered
    }

    /// What the figures count: questions asked in `from..<to` that match every filter given.
    struct Filter {
        var from: Date
        var to: Date
        var assistantID: UUID?
        var language: String?
        var reason: Reason?
        /// `nil`: open and answered gaps.
        var status: Status?
        /// The key that sent the question.
        var apiKeyID: UUID?
    }

    /// Questions assigned per statement batch; each batch is embedded at once.
    static let batchSize = 64
    /// Members read to choose a gap's representative.
    static let representativeSample = 500
    /// Characters of a question that are embedded and shown as a representative.
    static let questionLength = 2_000

    // MARK: Which questions are gap questions

    /// The visitors' questions asked in `from..<to` that are gap questions now, with why:
    /// `message_id, conversation_id, question, asked_at, api_key_id, assistant_id, handed_off,
    /// no_sources, low_rating`. The one definition the assignment and the figures share.
    func candidates(from: Date, to: Date) -> SQL {
        """
        SELECT k.* FROM (
            SELECT m.id AS message_id, m.conversation_id, m.content AS question, m.created_at AS asked_at, m.api_key_id,
                c.assistant_id,
                (r.grounding <=> 'none' OR (c.handed_off_at IS NOT NULL AND m.position = (
                    SELECT MAX(u.position) FROM messages u
                    WHERE u.conversation_id = m.conversation_id AND u.role = 'user' AND u.created_at <= c.handed_off_at))
                ) IS TRUE AS handed_off,
                (r.grounding IN ('chunks', 'model') AND COALESCE(JSON_LENGTH(r.sources), 0) = 0) IS TRUE AS no_sources,
                EXISTS (
                    SELECT 1 FROM feedback f
                    WHERE f.conversation_id = m.conversation_id AND f.is_current AND f.rating <= 2
                        AND (f.message_id = m.id OR f.message_id = r.id OR (f.message_id IS NULL AND m.position = (
                            SELECT MAX(u.position) FROM messages u
                            WHERE u.conversation_id = m.conversation_id AND u.role = 'user' AND u.created_at <= f.created_at)))
                ) AS low_rating
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN messages r ON r.conversation_id = m.conversation_id AND r.in_reply_to = m.id
            WHERE \(db.condition("m")) AND m.role = 'user' AND m.created_at >= \(from) AND m.created_at < \(to)
        ) k
        WHERE k.handed_off OR k.no_sources OR k.low_rating
        """
    }

    // MARK: Assigning questions to gaps

    private struct Pending: Decodable {
        var messageID: UUID
        var question: String
    }

    private struct OpenGap: Decodable {
        var id: UUID
        var vectorSum: [UInt8]
        var questions: Int
    }

    /// Assigns every gap question of `from..<to` that has no gap yet, oldest first, under a lock
    /// per organization so two readers cannot start the same gap twice. Returns how many it assigned.
    @discardableResult
    func assign(from: Date, to: Date) throws -> Int {
        let model = enricher.embeddingModel
        let lock: SQL = "CONCAT('companin.gaps.', \(db.value))"
        guard try db.fetchOne(Int?.self, "SELECT GET_LOCK(\(lock), 10)") == .some(1) else {
            throw HTTPError(.serviceUnavailable, detail: "Knowledge gaps are being updated by another request; try again")
        }
        defer { _ = try? db.execute("DO RELEASE_LOCK(\(lock))") }

        var clustering = GapClustering(
            threshold: GapClustering.threshold(model: model),
            clusters: try db.fetchAll(
                OpenGap.self,
                """
                SELECT id, vector_sum, questions FROM knowledge_gaps
                WHERE \(db.condition) AND status = 'open' AND embedding_model = \(model)
                ORDER BY created_at, id
                """
            ).compactMap { gap in
                Embedding(model: model, bytes: gap.vectorSum).map {
                    GapClustering.Cluster(id: gap.id, vectorSum: $0.vector, questions: gap.questions)
                }
            })
        var assigned = 0
        while true {
            let pending = try db.fetchAll(
                Pending.self,
                """
                SELECT k.message_id, k.question FROM (\(candidates(from: from, to: to))) k
                LEFT JOIN knowledge_gap_questions q ON q.message_id = k.message_id
                WHERE q.message_id IS NULL
                ORDER BY k.asked_at, k.message_id
                LIMIT \(Self.batchSize)
                """)
            if pending.isEmpty { break }
            let texts = pending.map { String($0.question.prefix(Self.questionLength)) }
            let vectors = try enricher.embed(texts, role: .query).map { GapClustering.unit($0.vector) }
            guard vectors.count == pending.count else {
                throw HTTPError(
                    .internalServerError, detail: "The embedding model returned \(vectors.count) vectors for \(pending.count) questions")
            }
            // Placed on a copy: a transaction run again after a deadlock starts from the same gaps.
            var placed = clustering
            try db.transaction {
                placed = clustering
                let now = Date.now.truncatedToMicroseconds
                // Gaps that took a question besides the one that started them: their centre, size and
                // representative change.
                var joined: Set<UUID> = []
                for (index, question) in pending.enumerated() {
                    let placement = placed.place(vectors[index], newID: UUID())
                    let similarity: Float
                    let gapID: UUID
                    switch placement {
                    case .started:
                        gapID = placed.clusters[placed.clusters.count - 1].id
                        similarity = 1
                        try db.execute(
                            """
                            INSERT INTO knowledge_gaps (id, organization_id, embedding_model, vector_sum, questions,
                                representative_message_id, representative_question, status, created_at, updated_at)
                            VALUES (\(gapID), \(db.value), \(model), \(Embedding(model: model, vector: vectors[index]).encoded()), 1,
                                \(question.messageID), \(texts[index]), 'open', \(now), \(now))
                            """)
                    case .joined(let clusterIndex, let cosine):
                        gapID = placed.clusters[clusterIndex].id
                        similarity = cosine
                        joined.insert(gapID)
                    }
                    try db.execute(
                        """
                        INSERT INTO knowledge_gap_questions (message_id, organization_id, gap_id, embedding, similarity, language, assigned_at)
                        VALUES (\(question.messageID), \(db.value), \(gapID), \(Embedding(model: model, vector: vectors[index]).encoded()),
                            \(Double(similarity)), \(Self.language(of: question.question)), \(now))
                        """)
                }
                for cluster in placed.clusters where joined.contains(cluster.id) {
                    try update(cluster, model: model, at: now)
                }
            }
            clustering = placed
            assigned += pending.count
        }
        return assigned
    }

    private struct Member: Decodable {
        var messageID: UUID
        var embedding: [UInt8]
        var question: String
    }

    /// Writes a gap's new centre and size, and its representative: the member nearest the centre.
    private func update(_ cluster: GapClustering.Cluster, model: String, at now: Date) throws {
        let members = try db.fetchAll(
            Member.self,
            """
            SELECT q.message_id, q.embedding, m.content AS question
            FROM knowledge_gap_questions q JOIN messages m ON m.id = q.message_id
            WHERE \(db.condition("q")) AND q.gap_id = \(cluster.id)
            ORDER BY q.assigned_at DESC, q.message_id
            LIMIT \(Self.representativeSample)
            """)
        let vectors = members.compactMap { member in Embedding(model: model, bytes: member.embedding).map { (member.messageID, $0.vector) }
        }
        let representative = GapClustering.medoid(of: vectors.map { (id: $0.0, vector: $0.1) }, vectorSum: cluster.vectorSum)
        let text = members.first { $0.messageID == representative }.map { String($0.question.prefix(Self.questionLength)) }
        try db.execute(
            """
            UPDATE knowledge_gaps SET vector_sum = \(Embedding(model: model, vector: cluster.vectorSum).encoded()),
                questions = \(cluster.questions),
                representative_message_id = COALESCE(\(representative), representative_message_id),
                representative_question = COALESCE(\(text), representative_question),
                updated_at = \(now)
            WHERE \(db.condition) AND id = \(cluster.id)
            """)
    }

    /// `pt`, `en` or `es` by the question's own function words; `und` when they do not tell.
    static func language(of text: String) -> String {
        switch LexicalAnalyzer.language(of: text) {
        case .portuguese: "pt"
        case .english: "en"
        case .spanish: "es"
        case nil: "und"
        }
    }

    // MARK: Figures

    private struct Counted: Decodable {
        var gapID: UUID
        var messageID: UUID
        var conversationID: UUID
        var askedAt: Date
        var assistantID: UUID
        var language: String
        var handedOff: Bool
        var noSources: Bool
        var lowRating: Bool

        var reasons: [Reason] {
            [(Reason.handedOff, handedOff), (.noSources, noSources), (.lowRating, lowRating)].filter(\.1).map(\.0)
        }
    }

    private struct GapRow: Decodable {
        var id: UUID
        var status: Status
        var representativeMessageID: UUID
        var representativeQuestion: String
        var answerSourceID: UUID?
        var answeredAt: Date?
        var answeredByAPIKeyID: UUID?
        var createdAt: Date

        static let columns: SQL = """
            id, status, representative_message_id, representative_question, answer_source_id, answered_at,
            answered_by_api_key_id, created_at
            """
    }

    private struct Named: Decodable {
        var id: UUID
        var name: String
    }

    private struct Asked: Decodable {
        var messageID: UUID
        var content: String
    }

    /// The gaps with questions matching `filter`, most asked first, one page of them; `only`
    /// narrows it to one gap. Counts are of the questions, each counted once.
    func list(_ filter: Filter, only gapID: UUID? = nil, _ page: Pagination) throws -> Page<KnowledgeGap> {
        var conditions: [SQL] = []
        if let status = filter.status { conditions.append("g.status = \(status.rawValue)") }
        if let id = filter.assistantID { conditions.append("k.assistant_id = \(id)") }
        if let language = filter.language { conditions.append("q.language = \(language)") }
        if let reason = filter.reason { conditions.append(reason.column) }
        if let id = filter.apiKeyID { conditions.append("k.api_key_id = \(id)") }
        if let gapID { conditions.append("g.id = \(gapID)") }
        let narrowed: SQL = conditions.isEmpty ? "" : "AND \(SQL.joined(conditions, separator: " AND "))"
        let rows = try db.fetchAll(
            Counted.self,
            """
            SELECT q.gap_id, k.message_id, k.conversation_id, k.asked_at, k.assistant_id, q.language,
                k.handed_off, k.no_sources, k.low_rating
            FROM (\(candidates(from: filter.from, to: filter.to))) k
            JOIN knowledge_gap_questions q ON q.message_id = k.message_id
            JOIN knowledge_gaps g ON g.id = q.gap_id
            WHERE \(db.condition("g")) \(narrowed)
            ORDER BY k.asked_at DESC, k.message_id DESC
            """)
        var byGap: [UUID: [Counted]] = [:]
        for row in rows { byGap[row.gapID, default: []].append(row) }
        let ordered = byGap.sorted { a, b in
            (a.value.count, a.value[0].askedAt, b.key.uuidString) > (b.value.count, b.value[0].askedAt, a.key.uuidString)
        }
        let shown = Array(ordered.dropFirst(page.offset).prefix(page.limit))
        guard !shown.isEmpty else { return Page(items: [], count: ordered.count) }

        let gaps = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(
                GapRow.self,
                "SELECT \(GapRow.columns) FROM knowledge_gaps WHERE \(db.condition) AND id IN \(list: shown.map(\.key))"
            ).map { ($0.id, $0) })
        let exampleIDs = shown.flatMap { $0.value.prefix(KnowledgeGap.exampleCount).map(\.messageID) }
        let texts = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(
                Asked.self, "SELECT id AS message_id, content FROM messages WHERE \(db.condition) AND id IN \(list: exampleIDs)"
            ).map { ($0.messageID, String($0.content.prefix(Self.questionLength))) })
        let assistantIDs = Set(shown.flatMap { $0.value.map(\.assistantID) })
        let names = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(
                Named.self, "SELECT id, name FROM assistants WHERE \(db.condition) AND id IN \(list: Array(assistantIDs))"
            ).map { ($0.id, $0.name) })
        let items = shown.compactMap { (id, questions) in
            gaps[id].map { view($0, questions, filter: filter, names: names, texts: texts) }
        }
        return Page(items: items, count: ordered.count)
    }

    /// One gap with its figures over `filter` (status aside), or when `nil` over the days since its
    /// first question (at most `GapRoutes.maximumDays`).
    func gap(_ id: UUID, _ given: Filter?) throws -> KnowledgeGap {
        guard let row = try db.fetchOne(GapRow.self, "SELECT \(GapRow.columns) FROM knowledge_gaps WHERE \(db.condition) AND id = \(id)")
        else { throw KnowledgeGap.notFound }
        var filter: Filter
        if let given {
            filter = given
        } else {
            let to = Date.now.truncatedToMicroseconds.addingTimeInterval(0.000_001)
            let first =
                try db.fetchOne(
                    Date?.self,
                    """
                    SELECT MIN(m.created_at) FROM knowledge_gap_questions q JOIN messages m ON m.id = q.message_id
                    WHERE \(db.condition("q")) AND q.gap_id = \(id)
                    """) ?? nil
            let earliest = to.addingTimeInterval(-Double(GapRoutes.maximumDays - 1) * 86_400)
            filter = Filter(from: max(first ?? row.createdAt, earliest), to: to)
        }
        filter.status = nil
        return try list(filter, only: id, Pagination(limit: 1)).items.first
            ?? view(row, [], filter: filter, names: [:], texts: [:])
    }

    /// The gap's document from its row and its questions in the range, newest first.
    private func view(_ gap: GapRow, _ questions: [Counted], filter: Filter, names: [UUID: String], texts: [UUID: String])
        -> KnowledgeGap
    {
        func tally<Key: Hashable>(_ key: (Counted) -> [Key]) -> [(Key, Int)] {
            var counts: [Key: Int] = [:]
            var order: [Key] = []
            for question in questions {
                for value in key(question) {
                    if counts[value] == nil { order.append(value) }
                    counts[value, default: 0] += 1
                }
            }
            // Stable: equal counts keep the order of first appearance (newest question first).
            return order.enumerated().sorted { (counts[$0.element]!, $1.offset) > (counts[$1.element]!, $0.offset) }
                .map { ($0.element, counts[$0.element]!) }
        }
        let days = Self.days(from: filter.from, to: filter.to)
        var trend = days.map { KnowledgeGap.Day(date: $0, count: 0) }
        if let first = days.first {
            for question in questions {
                let index = Int((AnalyticsStore.day(containing: question.askedAt).timeIntervalSince(first) / 86_400).rounded())
                if trend.indices.contains(index) { trend[index].count += 1 }
            }
        }
        return KnowledgeGap(
            id: gap.id, status: gap.status, question: gap.representativeQuestion,
            representativeMessageID: gap.representativeMessageID, count: questions.count,
            firstAskedAt: questions.last?.askedAt, lastAskedAt: questions.first?.askedAt,
            languages: tally { [$0.language] }.map { .init(language: $0.0, count: $0.1) },
            reasons: tally(\.reasons).map { .init(reason: $0.0, count: $0.1) },
            assistants: tally { [$0.assistantID] }.map { .init(assistantID: $0.0, name: names[$0.0], count: $0.1) },
            trend: trend,
            examples: questions.prefix(KnowledgeGap.exampleCount).map {
                .init(
                    messageID: $0.messageID, conversationID: $0.conversationID, assistantID: $0.assistantID,
                    question: texts[$0.messageID] ?? "", askedAt: $0.askedAt, language: $0.language, reasons: $0.reasons)
            },
            answer: gap.answeredAt.map { .init(qaID: gap.answerSourceID, answeredAt: $0, apiKeyID: gap.answeredByAPIKeyID) },
            createdAt: gap.createdAt)
    }

    /// The UTC days a range touches, the first day's start first.
    static func days(from: Date, to: Date) -> [Date] {
        let first = AnalyticsStore.day(containing: from)
        let last = AnalyticsStore.day(containing: to.addingTimeInterval(-0.000_001))
        let count = Int((last.timeIntervalSince(first) / 86_400).rounded()) + 1
        return (0..<max(count, 0)).map { first.addingTimeInterval(Double($0) * 86_400) }
    }

    // MARK: Answering

    private struct Locked: Decodable {
        var status: Status
        var representativeQuestion: String
    }

    /// Writes `source` (a new Q&A pair; its question defaults to the gap's representative), links it
    /// to `assistantIDs` (by default every assistant whose questions are in the gap), and marks the
    /// gap answered, all in one transaction. `409` when the gap is already answered; an unknown
    /// gap is `404`, or a `422` at `field` when a body named it.
    func answer(
        _ gapID: UUID, with source: KnowledgeSource, assistantIDs: [UUID]?, by apiKeyID: UUID?, field: [FieldError.Location]? = nil
    ) throws -> KnowledgeSource {
        try db.transaction {
            guard
                let gap = try db.fetchOne(
                    Locked.self,
                    "SELECT status, representative_question FROM knowledge_gaps WHERE \(db.condition) AND id = \(gapID) FOR UPDATE")
            else {
                guard let field else { throw KnowledgeGap.notFound }
                throw ValidationError([FieldError(loc: field, msg: "Knowledge gap not found", type: "value_error")])
            }
            guard gap.status == .open else { throw HTTPError(.conflict, detail: "This gap is already answered") }
            var source = source
            if source.question?.isEmpty ?? true {
                source.question = gap.representativeQuestion
                source.title = gap.representativeQuestion.prefix(codePoints: 300)
            }
            let assistants: [UUID]
            if let assistantIDs {
                let known = Set(
                    try db.fetchAll(
                        UUID.self,
                        "SELECT id FROM assistants WHERE \(db.condition) AND deleted_at IS NULL AND id IN \(list: assistantIDs)"))
                if let missing = assistantIDs.first(where: { !known.contains($0) }) {
                    throw ValidationError([
                        FieldError(
                            loc: [.key("body"), .key("assistant_ids")], msg: "Assistant \(missing.uuidString.lowercased()) not found",
                            type: "value_error")
                    ])
                }
                assistants = assistantIDs
            } else {
                assistants = try db.fetchAll(
                    UUID.self,
                    """
                    SELECT DISTINCT c.assistant_id FROM knowledge_gap_questions q
                    JOIN messages m ON m.id = q.message_id
                    JOIN conversations c ON c.id = m.conversation_id
                    JOIN assistants a ON a.id = c.assistant_id AND a.deleted_at IS NULL
                    WHERE \(db.condition("q")) AND q.gap_id = \(gapID)
                    """)
            }
            try KnowledgeStore(db: db).insert(source, queue: true)
            let links = AssistantKnowledgeStore(db: db)
            for assistant in Set(assistants) { try links.link(source.id, to: assistant, mode: "include") }
            let now = Date.now.truncatedToMicroseconds
            try db.execute(
                """
                UPDATE knowledge_gaps SET status = 'answered', answer_source_id = \(source.id), answered_at = \(now),
                    answered_by_api_key_id = \(apiKeyID), updated_at = \(now)
                WHERE \(db.condition) AND id = \(gapID)
                """)
            return source
        }
    }
}
