import Foundation
import HTTP
import MariaDB

/// A visitor with every session of theirs across channels, each with its contexts: the journey in one read.
struct VisitorJourney: Encodable {
    let visitor: Visitor
    /// Anonymous visitor ids that were linked to this visitor when it was identified.
    let linkedVisitorIDs: [UUID]
    let sessionCount: Int
    let sessions: [SessionView]

    /// Channels in the order the visitor first used them (among the sessions shown).
    var channels: [String] {
        var seen: [String] = []
        for view in sessions where !seen.contains(view.session.channel) { seen.append(view.session.channel) }
        return seen
    }

    enum CodingKeys: String, CodingKey {
        case linkedVisitorIDs = "linked_visitor_ids"
        case channels
        case sessionCount = "session_count"
        case sessions
    }

    func encode(to encoder: any Encoder) throws {
        try visitor.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(linkedVisitorIDs, forKey: .linkedVisitorIDs)
        try container.encode(channels, forKey: .channels)
        try container.encode(sessionCount, forKey: .sessionCount)
        try container.encode(sessions, forKey: .sessions)
    }

    /// Sessions shown per visitor: the most recent ones, oldest first.
    static let maximumSessions = 200
}

extension VisitorStore {
    /// A page of visitors (linked anonymous ones are part of the visitor they were linked to),
    /// optionally only the one with `externalID` or only identified or anonymous ones.
    func list(externalID: String?, identified: Bool?, _ page: Pagination) throws -> (items: [Visitor], count: Int) {
        var condition = SQLFilter("organization_id = ? AND merged_into_id IS NULL", [organizationID.databaseValue])
        condition.add("external_id = ?", ifPresent: externalID)
        if let identified { condition.add(identified ? "external_id IS NOT NULL" : "external_id IS NULL") }
        return try database.page(Self.columns, from: "visitors", where: condition, orderBy: "created_at, id", page, decode: Self.decode)
    }

    /// The journeys of these visitors, in a fixed number of queries however many there are.
    func journeys(_ visitors: [Visitor]) throws -> [VisitorJourney] {
        guard !visitors.isEmpty else { return [] }
        let ids = visitors.map { $0.id.databaseValue }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let sessionStore = SessionStore(database: database, organizationID: organizationID)
        let sessions = try database.query(
            sql: """
            SELECT \(SessionStore.columns) FROM (
                SELECT \(SessionStore.columns),
                       ROW_NUMBER() OVER (PARTITION BY visitor_id ORDER BY created_at DESC, id DESC) AS recency
                FROM sessions WHERE organization_id = ? AND visitor_id IN (\(marks))) ranked
            WHERE recency <= ? ORDER BY created_at, id
            """, [organizationID.databaseValue] + ids + [.int(Int64(VisitorJourney.maximumSessions))]
        ).map(SessionStore.decode)
        let views = Dictionary(
            grouping: try sessionStore.views(
                sessions, showingContexts: true,
                visitors: Dictionary(uniqueKeysWithValues: visitors.map { ($0.id, $0) })), by: \.session.visitorID)
        var counts: [UUID: Int] = [:]
        for row in try database.query(
            sql: """
            SELECT visitor_id, COUNT(*) AS sessions FROM sessions WHERE organization_id = ? AND visitor_id IN (\(marks)) GROUP BY visitor_id
            """, [organizationID.databaseValue] + ids)
        {
            counts[try row.decode(UUID.self, "visitor_id")] = try row.decode(Int.self, "sessions")
        }
        var linked: [UUID: [UUID]] = [:]
        for row in try database.query(
            sql: """
            SELECT id, merged_into_id FROM visitors WHERE organization_id = ? AND merged_into_id IN (\(marks)) ORDER BY created_at, id
            """, [organizationID.databaseValue] + ids)
        {
            linked[try row.decode(UUID.self, "merged_into_id"), default: []].append(try row.decode(UUID.self, "id"))
        }
        return visitors.map { visitor in
            VisitorJourney(
                visitor: visitor, linkedVisitorIDs: linked[visitor.id] ?? [], sessionCount: counts[visitor.id] ?? 0,
                sessions: views[visitor.id] ?? [])
        }
    }
}
