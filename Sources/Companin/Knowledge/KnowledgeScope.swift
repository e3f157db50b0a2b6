import Foundation
import HTTP
import MariaDB

/// Which sources an assistant sees. In `all` mode (the default) every source of its organization
/// except those it excludes; in `linked` mode only the sources linked to it.
struct KnowledgeScope {
    enum Mode: String { case all, linked }

    let assistantID: UUID
    let mode: Mode

    /// A condition on `s.id` (a knowledge_sources alias) and its bindings.
    var condition: (sql: String, values: [DatabaseValue]) {
        switch mode {
        case .all:
            (
                "s.id NOT IN (SELECT source_id FROM assistant_knowledge WHERE assistant_id = ? AND mode = 'exclude')",
                [assistantID.databaseValue]
            )
        case .linked:
            (
                "s.id IN (SELECT source_id FROM assistant_knowledge WHERE assistant_id = ? AND mode = 'include')",
                [assistantID.databaseValue]
            )
        }
    }

    /// The scope of an assistant of this organization; `nil` when there is no such assistant.
    static func of(_ assistantID: UUID, organizationID: UUID, database: Connection) throws -> KnowledgeScope? {
        guard
            let row = try database.query(
                sql: """
                SELECT knowledge_mode FROM assistants WHERE organization_id = ? AND id = ? AND deleted_at IS NULL
                """, [organizationID.databaseValue, assistantID.databaseValue]
            ).first
        else { return nil }
        return KnowledgeScope(assistantID: assistantID, mode: Mode(rawValue: try row.decode(String.self, "knowledge_mode")) ?? .all)
    }
}

/// `PUT/DELETE /api/v1/assistants/:assistant_id/knowledge/:source_id` and the effective set.
enum AssistantKnowledgeRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.put("/api/v1/assistants/:assistant_id/knowledge/:source_id") { request, context in
            let organizationID = try context.organization()
            let (scope, sourceID) = try resolve(context)
            let mode = try KnowledgeLinkInput(try request.jsonObjectBody()).mode
            try context.database.execute(
                sql: """
                INSERT INTO assistant_knowledge (assistant_id, source_id, organization_id, mode, created_at) VALUES (?, ?, ?, ?, ?)
                ON DUPLICATE KEY UPDATE mode = VALUES(mode), created_at = VALUES(created_at)
                """,
                [
                    scope.assistantID.databaseValue, sourceID.databaseValue, organizationID.databaseValue, .text(mode ?? "include"),
                    Date.now.truncatedToMicroseconds.databaseValue,
                ])
            return try Response.json(Link(assistantID: scope.assistantID, sourceID: sourceID, mode: mode ?? "include"))
        }
        router.delete("/api/v1/assistants/:assistant_id/knowledge/:source_id") { _, context in
            let (scope, sourceID) = try resolve(context)
            let removed = try context.database.execute(
                sql: """
                DELETE FROM assistant_knowledge WHERE organization_id = ? AND assistant_id = ? AND source_id = ?
                """, [try context.organization().databaseValue, scope.assistantID.databaseValue, sourceID.databaseValue])
            guard removed.affectedRows == 1 else { throw HTTPError.notFound }
            return .noContent
        }
        router.get("/api/v1/assistants/:assistant_id/knowledge") { request, context in
            let organizationID = try context.organization()
            guard
                let scope = try KnowledgeScope.of(
                    try context.resourceID("assistant_id"), organizationID: organizationID,
                    database: context.database)
            else { throw HTTPError.notFound }
            let page = try Pagination(request)
            let condition = scope.condition
            let rows = try context.database.query(
                sql: """
                SELECT s.id, s.kind, s.title, s.status, l.mode FROM knowledge_sources s
                LEFT JOIN assistant_knowledge l ON l.source_id = s.id AND l.assistant_id = ?
                WHERE s.organization_id = ? AND \(condition.sql) ORDER BY s.created_at, s.id LIMIT ? OFFSET ?
                """,
                [scope.assistantID.databaseValue, organizationID.databaseValue] + condition.values
                    + [.int(Int64(page.limit)), .int(Int64(page.offset))])
            let count =
                try context.database.query(
                    sql: "SELECT COUNT(*) AS count FROM knowledge_sources s WHERE s.organization_id = ? AND \(condition.sql)",
                    [organizationID.databaseValue] + condition.values
                ).first?.decode(Int.self, "count") ?? 0
            let items = try rows.map { row in
                EffectiveSource(
                    sourceID: try row.decode(UUID.self, "id"), kind: try row.decode(String.self, "kind"),
                    title: try row.decode(String.self, "title"), status: try row.decode(String.self, "status"),
                    link: try row.decode(String?.self, "mode"))
            }
            return try Response.json(EffectiveSet(knowledgeMode: scope.mode.rawValue, items: items, count: count))
        }
    }

    /// The assistant's scope and a source of the same organization; `404` for either missing.
    private static func resolve(_ context: AppContext) throws -> (KnowledgeScope, UUID) {
        let organizationID = try context.organization()
        guard
            let scope = try KnowledgeScope.of(
                try context.resourceID("assistant_id"), organizationID: organizationID,
                database: context.database),
            let source = try KnowledgeStore(database: context.database, organizationID: organizationID)
                .find(try context.resourceID("source_id"))
        else { throw HTTPError.notFound }
        return (scope, source.id)
    }

    struct Link: Encodable {
        var assistantID: UUID
        var sourceID: UUID
        var mode: String
        enum CodingKeys: String, CodingKey { case assistantID = "assistant_id", sourceID = "source_id", mode }
    }

    struct EffectiveSource: Encodable {
        var sourceID: UUID
        var kind: String
        var title: String
        var status: String
        var link: String?
        enum CodingKeys: String, CodingKey { case sourceID = "source_id", kind, title, status, link }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sourceID, forKey: .sourceID)
            try container.encode(kind, forKey: .kind)
            try container.encode(title, forKey: .title)
            try container.encode(status, forKey: .status)
            try container.encode(link, forKey: .link)
        }
    }

    struct EffectiveSet: Encodable {
        var knowledgeMode: String
        var items: [EffectiveSource]
        var count: Int
        enum CodingKeys: String, CodingKey { case knowledgeMode = "knowledge_mode", items, count }
    }
}
