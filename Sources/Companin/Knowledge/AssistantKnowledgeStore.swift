import Foundation
import HTTP
import MariaDB

/// Which of one organization's sources its assistants see: each assistant's knowledge mode and
/// the sources linked to or excluded from it.
struct AssistantKnowledgeStore {
    let db: ScopedConnection

    /// The scope of an assistant of this organization; `nil` when there is no such assistant.
    func scope(of assistantID: UUID) throws -> KnowledgeScope? {
        guard
            let mode = try db.fetchOne(
                String.self,
                "SELECT knowledge_mode FROM assistants WHERE \(db.condition) AND id = \(assistantID) AND deleted_at IS NULL")
        else { return nil }
        return KnowledgeScope(assistantID: assistantID, mode: KnowledgeScope.Mode(rawValue: mode) ?? .all)
    }

    /// Links a source to an assistant (`include`) or hides it from the assistant (`exclude`).
    func link(_ sourceID: UUID, to assistantID: UUID, mode: String) throws {
        try db.execute(
            """
            INSERT INTO assistant_knowledge (assistant_id, source_id, organization_id, mode, created_at)
            VALUES (\(assistantID), \(sourceID), \(db.value), \(mode), \(Date.now.truncatedToMicroseconds))
            ON DUPLICATE KEY UPDATE mode = VALUES(mode), created_at = VALUES(created_at)
            """)
    }

    /// Removes a link or exclusion; false when there was none.
    func unlink(_ sourceID: UUID, from assistantID: UUID) throws -> Bool {
        try db.execute(
            "DELETE FROM assistant_knowledge WHERE \(db.condition) AND assistant_id = \(assistantID) AND source_id = \(sourceID)"
        ).affectedRows == 1
    }

    /// One page of the sources the scope lets in, with each one's link to the assistant.
    func effectiveSources(_ scope: KnowledgeScope, _ page: Pagination) throws -> Page<AssistantKnowledgeRoutes.EffectiveSource> {
        let items = try db.fetchAll(
            AssistantKnowledgeRoutes.EffectiveSource.self,
            """
            SELECT s.id AS source_id, s.kind, s.title, s.status, l.mode AS link FROM knowledge_sources s
            LEFT JOIN assistant_knowledge l ON l.source_id = s.id AND l.assistant_id = \(scope.assistantID)
            WHERE \(db.condition("s")) AND \(scope.condition) ORDER BY s.created_at, s.id LIMIT \(page.limit) OFFSET \(page.offset)
            """)
        let count =
            try db.fetchOne(Int.self, "SELECT COUNT(*) FROM knowledge_sources s WHERE \(db.condition("s")) AND \(scope.condition)") ?? 0
        return Page(items: items, count: count)
    }

    /// The sources linked to the assistant (linked mode) or excluded from it (all mode).
    func listedSources(_ scope: KnowledgeScope) throws -> Set<UUID> {
        Set(
            try db.fetchAll(
                UUID.self,
                """
                SELECT source_id FROM assistant_knowledge
                WHERE \(db.condition) AND assistant_id = \(scope.assistantID) AND mode = \(scope.mode == .linked ? "include" : "exclude")
                """))
    }
}
