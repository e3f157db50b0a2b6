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
        var conditions: [SQL] = ["merged_into_id IS NULL"]
        if let externalID { conditions.append("external_id = \(externalID)") }
        if let identified { conditions.append(identified ? "external_id IS NOT NULL" : "external_id IS NULL") }
        let found = try db.page(VisitorRow.self, where: .joined(conditions, separator: " AND "), orderBy: "created_at, id", page)
        return (found.items.map(\.visitor), found.count)
    }

    /// The journeys of these visitors, in a fixed number of queries however many there are.
    func journeys(_ visitors: [Visitor]) throws -> [VisitorJourney] {
        guard !visitors.isEmpty else { return [] }
        let ids = visitors.map(\.id)
        let sessions = try db.fetchAll(
            Session.self,
            """
            SELECT \(Session.selection()) FROM (
                SELECT \(Session.selection()),
                       ROW_NUMBER() OVER (PARTITION BY visitor_id ORDER BY created_at DESC, id DESC) AS recency
                FROM sessions WHERE \(db.condition) AND visitor_id IN \(list: ids)) ranked
            WHERE recency <= \(VisitorJourney.maximumSessions) ORDER BY created_at, id
            """
        )
        let views = Dictionary(
            grouping: try SessionStore(db: db).views(
                sessions, showingContexts: true,
                visitors: Dictionary(uniqueKeysWithValues: visitors.map { ($0.id, $0) })), by: \.session.visitorID)
        let counts = Dictionary(
            uniqueKeysWithValues: try db.fetchAll(
                SessionCount.self,
                "SELECT visitor_id, COUNT(*) AS sessions FROM sessions WHERE \(db.condition) AND visitor_id IN \(list: ids) GROUP BY visitor_id"
            ).map { ($0.visitorID, $0.sessions) })
        var linked: [UUID: [UUID]] = [:]
        for link in try db.fetchAll(
            Link.self,
            """
            SELECT id, merged_into_id FROM visitors WHERE \(db.condition) AND merged_into_id IN \(list: ids) ORDER BY created_at, id
            """)
        {
            linked[link.mergedIntoID, default: []].append(link.id)
        }
        return visitors.map { visitor in
            VisitorJourney(
                visitor: visitor, linkedVisitorIDs: linked[visitor.id] ?? [], sessionCount: counts[visitor.id] ?? 0,
                sessions: views[visitor.id] ?? [])
        }
    }

    private struct SessionCount: Decodable {
        var visitorID: UUID
        var sessions: Int
    }

    private struct Link: Decodable {
        var id: UUID
        var mergedIntoID: UUID
    }
}
