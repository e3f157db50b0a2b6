import Foundation
import HTTP
import MariaDB

/// Session contexts in MariaDB, scoped by the caller's organization in every statement. A context
/// is added, changed or removed only while its session is open, under the session's row lock, so
/// positions never collide and a closed session's record stays as it was.
struct ContextStore {
    let database: Connection
    let organizationID: UUID

    static let notFound = HTTPError(.notFound, detail: "Context not found")
    static let columns =
        "id, session_id, position, attributes, crm_system, crm_record_id, crm_url, created_by_api_key_id, created_at, updated_at"

    struct Filter {
        var sessionID: UUID?
        var crmSystem: String?
        var crmRecordID: String?
    }

    var sessions: SessionStore { SessionStore(database: database, organizationID: organizationID) }

    /// Attaches a context at the end of its session's list; attaching is activity on the session.
    func create(sessionID: UUID, attributes: [String: JSONValue], crm: CRMReference?, by apiKeyID: UUID?) throws -> SessionContext {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            let session = try sessions.lockOpen(sessionID, at: now)
            let last =
                try database.query(
                    sql: """
                    SELECT COALESCE(MAX(position), 0) AS last FROM session_contexts WHERE organization_id = ? AND session_id = ?
                    """, [organizationID.databaseValue, sessionID.databaseValue]
                ).first?.decode(Int.self, "last") ?? 0
            let context = SessionContext(
                id: UUID(), sessionID: sessionID, position: last + 1, attributes: attributes, crm: crm,
                createdByAPIKeyID: apiKeyID, createdAt: now, updatedAt: now)
            try database.execute(
                sql: """
                INSERT INTO session_contexts (organization_id, \(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    organizationID.databaseValue, context.id.databaseValue, sessionID.databaseValue, .int(Int64(context.position)),
                    .text(JSONValue.object(attributes).serialized), crm?.system.databaseValue ?? .null,
                    crm?.recordID.databaseValue ?? .null, crm?.url.databaseValue ?? .null, apiKeyID.databaseValue,
                    now.databaseValue, now.databaseValue,
                ])
            try sessions.recordActivity(session, at: now)
            return context
        }
    }

    func find(_ id: UUID) throws -> SessionContext? {
        try database.query(
            sql: "SELECT \(Self.columns) FROM session_contexts WHERE organization_id = ? AND id = ?",
            [organizationID.databaseValue, id.databaseValue]
        ).first.map(Self.decode)
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [SessionContext], count: Int) {
        var condition = SQLFilter("organization_id = ?", [organizationID.databaseValue])
        condition.add("session_id = ?", ifPresent: filter.sessionID)
        condition.add("crm_system = ?", ifPresent: filter.crmSystem)
        condition.add("crm_record_id = ?", ifPresent: filter.crmRecordID)
        // One session's contexts in their order; across sessions, in the order they were attached.
        let order = filter.sessionID == nil ? "created_at, id" : "position"
        return try database.page(Self.columns, from: "session_contexts", where: condition, orderBy: order, page, decode: Self.decode)
    }

    /// The contexts of several sessions, each list in position order.
    func contexts(ofSessions ids: [UUID]) throws -> [UUID: [SessionContext]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try database.query(
            sql: """
            SELECT \(Self.columns) FROM session_contexts
            WHERE organization_id = ? AND session_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
            ORDER BY session_id, position
            """, [organizationID.databaseValue] + ids.map(\.databaseValue))
        return Dictionary(grouping: try rows.map(Self.decode), by: \.sessionID)
    }

    /// Replaces the attributes and/or the CRM reference that were sent (`crm: null` removes it).
    func update(_ id: UUID, attributes: [String: JSONValue]?, crm: CRMReference??) throws -> SessionContext {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard var context = try find(id) else { throw Self.notFound }
            let session = try sessions.lockOpen(context.sessionID, at: now)
            if let attributes { context.attributes = attributes }
            if let crm { context.crm = crm }
            context.updatedAt = now
            try database.execute(
                sql: """
                UPDATE session_contexts SET attributes = ?, crm_system = ?, crm_record_id = ?, crm_url = ?, updated_at = ?
                WHERE organization_id = ? AND id = ?
                """,
                [
                    .text(JSONValue.object(context.attributes).serialized), context.crm?.system.databaseValue ?? .null,
                    context.crm?.recordID.databaseValue ?? .null, context.crm?.url.databaseValue ?? .null, now.databaseValue,
                    organizationID.databaseValue, id.databaseValue,
                ])
            try sessions.recordActivity(session, at: now)
            return context
        }
    }

    func delete(_ id: UUID) throws {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard let context = try find(id) else { throw Self.notFound }
            _ = try sessions.lockOpen(context.sessionID, at: now)
            try database.execute(
                sql: "DELETE FROM session_contexts WHERE organization_id = ? AND id = ?",
                [organizationID.databaseValue, id.databaseValue])
        }
    }

    static func decode(_ row: Row) throws -> SessionContext {
        let system = try row.decode(String?.self, "crm_system")
        let record = try row.decode(String?.self, "crm_record_id")
        return SessionContext(
            id: try row.decode(UUID.self, "id"),
            sessionID: try row.decode(UUID.self, "session_id"),
            position: try row.decode(Int.self, "position"),
            attributes: try JSONValue.parse(Data(try row.decode(String.self, "attributes").utf8)).objectValue ?? [:],
            crm: try system.flatMap { system in
                try record.map { CRMReference(system: system, recordID: $0, url: try row.decode(String?.self, "crm_url")) }
            },
            createdByAPIKeyID: try row.decode(UUID?.self, "created_by_api_key_id"),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
