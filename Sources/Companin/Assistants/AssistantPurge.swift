import Foundation
import MariaDB

/// Removes deleted assistants, with their versions, for operators who must not keep them
/// (`companin assistant purge`). The API never purges: deletion there only hides.
public struct AssistantPurge {
    let database: Connection

    public init(database: Connection) { self.database = database }

    /// Purges assistants deleted before `cutoff`, in one organization or all; returns how many.
    /// Assistants with conversations stay: the conversations' audit trail names their versions.
    public func purge(deletedBefore cutoff: Date, organizationID: UUID?) throws -> Int {
        // Versions go with their assistant (ON DELETE CASCADE), in the same statement; sessions
        // that named one keep their history without it (ON DELETE SET NULL).
        var sql: SQL = """
            DELETE FROM assistants WHERE deleted_at IS NOT NULL AND deleted_at < \(cutoff)
            AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.assistant_id = assistants.id)
            """
        if let organizationID { sql.append("AND organization_id = \(organizationID)") }
        return Int(try database.execute(sql).affectedRows)
    }
}
