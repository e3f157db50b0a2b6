import Foundation
import HTTP
import Ingestion

/// `/analytics/gaps/…`: the questions the assistants handed off, answered without sources or that
/// were rated 1–2, grouped by meaning, and answered by writing a Q&A pair.
///
/// Reading assigns the range's new gap questions to gaps first, so it runs on the primary (never a
/// replica) and its figures are exact for the range read.
enum GapRoutes {
    /// `?status=`: the gaps listed.
    enum StatusFilter: String, CaseIterable {
        case open, answered, all
    }

    /// `?language=`: as `GapStore.language(of:)` tells a question's language.
    enum Language: String, CaseIterable {
        case pt, en, es, und
    }

    enum Query {
        static let assistantID = Field("assistant_id", .uuid, "Questions put to this assistant")
        static let language = Field(
            "language", .choice(Language.allCases.map(\.rawValue)), "Questions in this language, as their words tell; und when they do not")
        static let reason = Field("reason", .choice(GapStore.Reason.allCases.map(\.rawValue)), "Questions with this reason")
        static let status = Field("status", .choice(StatusFilter.allCases.map(\.rawValue)), "open (the default), answered or all")
        /// The filters besides the window and the page.
        static let filters = [assistantID, language, reason, status]
    }

    /// Days a range may span: a trend has one point per day.
    static let maximumDays = 366

    static func register(on router: inout Router<AppContext>, enricher: any Enricher) {
        router.get("/analytics/gaps/") { request, context in
            var query = QueryReader(request)
            let (store, filter) = try read(context, enricher, &query)
            let page = query.pagination()
            try query.finish()
            try store.assign(from: filter.from, to: filter.to)
            return try Response.json(try store.list(filter, page))
        }
        router.get("/analytics/gaps/:gap_id") { request, context in
            let id = try context.resourceID("gap_id")
            var query = QueryReader(request)
            let (store, filter) = try read(context, enricher, &query)
            try query.finish()
            try store.assign(from: filter.from, to: filter.to)
            return try Response.json(try store.gap(id, filter))
        }
        router.post("/analytics/gaps/:gap_id/answer") { request, context in
            let id = try context.resourceID("gap_id")
            let input = try GapAnswerInput(try request.jsonObjectBody())
            let store = GapStore(db: try context.organizationDatabase(), enricher: enricher)
            let written = try store.answer(id, with: input.newSource(), assistantIDs: input.assistantIDs, by: context.principal?.keyID)
            return try Response.json(AnsweredGap(gap: try store.gap(id, nil), qa: QAView(source: written)), status: .accepted)
        }
    }

    /// The organization, range and filters of a read. Gaps belong to one organization: an operator
    /// key may name another one, not `all`.
    private static func read(
        _ context: AppContext, _ enricher: any Enricher, _ query: inout QueryReader
    ) throws -> (GapStore, GapStore.Filter) {
        let scope = try AnalyticsRoutes.organizationScope(context, &query)
        if scope == nil {
            query.fail(
                AnalyticsRoutes.Query.organizationID.name, "Input should be an organization id; gaps are per organization",
                type: "value_error")
        }
        let organizationID = try scope ?? context.organization()
        let (from, to, _) = AnalyticsRoutes.range(&query)
        if to.timeIntervalSince(from) > Double(maximumDays) * 86_400 {
            query.fail(AnalyticsRoutes.Query.from.name, "Value error, a range of at most \(maximumDays) days", type: "value_error")
        }
        let status = query.choice(Query.status, StatusFilter.self) ?? .open
        let filter = GapStore.Filter(
            from: from, to: to, assistantID: query.uuid(Query.assistantID), language: query.choice(Query.language, Language.self)?.rawValue,
            reason: query.choice(Query.reason, GapStore.Reason.self), status: GapStore.Status(rawValue: status.rawValue),
            apiKeyID: query.uuid(AnalyticsRoutes.Query.apiKeyID))
        return (GapStore(db: context.database.organization(organizationID), enricher: enricher), filter)
    }
}

/// `POST /analytics/gaps/{id}/answer`: `{answer, question?, tags?, assistant_ids?}`, the Q&A pair
/// that answers the gap.
struct GapAnswerInput {
    var question: String?
    var answer: String?
    var tags: [String]?
    var assistantIDs: [UUID]?

    init(_ reader: FieldReader) throws {
        var reader = reader
        question = reader.string(Self.question)
        answer = reader.string(Self.answer)
        tags = reader.strings(QAInput.Fields.tags)
        assistantIDs = reader.strings(Self.assistantIDs)?.compactMap(UUID.init(uuidString:))
        try reader.finish()
    }

    static let answer = QAInput.Fields.answer
    static let question = Field(
        "question", .string(minLength: 1, maxLength: 2_000), "The pair's question; default the gap's representative question")
    static let assistantIDs = Field(
        "assistant_ids", .list(of: .uuid, maxItems: 100),
        "Assistants to link the pair to; default every assistant whose questions are in the gap")
    static let fields = FieldSet([question, answer, QAInput.Fields.tags, assistantIDs])

    /// The pending pair; without a question, `GapStore.answer` gives it the gap's representative.
    func newSource() -> KnowledgeSource {
        var source = KnowledgeSource.pending(
            kind: .qa, title: (question ?? "").prefix(codePoints: 300), metadata: [:], at: Date.now.truncatedToMicroseconds)
        source.question = question
        source.answer = answer
        source.tags = tags ?? []
        return source
    }
}

/// `202` of an answer: the gap, now answered, and the Q&A pair queued for ingestion.
private struct AnsweredGap: Encodable, Sendable {
    var gap: KnowledgeGap
    var qa: QAView
}
