import Foundation
import HTTP
import MariaDB

/// Session contexts in MariaDB, scoped by the caller's organization in every statement. A context
/// is added, changed or removed only while its session is open, under the session's row lock, so
/// positions never collide and a closed session's record stays as it was.
struct ContextStore {
    let db: ScopedConnection

    static let notFound = HTTPError(.notFound, detail: "Context not found")

    struct Filter {
        var sessionID: UUID?
        var crmSystem: String?
        var crmRecordID: String?
    }

    var sessions: SessionStore { SessionStore(db: db) }

    /// Attaches a context at the end of its session's list; attaching is activity on the session.
    func create(sessionID: UUID, attributes: [String: JSONValue], crm: CRMReference?, by apiKeyID: UUID?) throws -> SessionContext {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            let session = try sessions.lockOpen(sessionID, at: now)
            let last =
                try db.fetchOne(
                    Int.self,
                    "SELECT COALESCE(MAX(position), 0) FROM session_contexts WHERE \(db.condition) AND session_id = \(sessionID)") ?? 0
            let context = SessionContext(
                id: UUID(), sessionID: sessionID, position: last + 1, attributes: attributes, crm: crm,
                createdByAPIKeyID: apiKeyID, createdAt: now, updatedAt: now)
            try db.insert(ContextRow(context))
            try sessions.recordActivity(session, at: now)
            return context
        }
    }

    func find(_ id: UUID) throws -> SessionContext? {
        try db.find(ContextRow.self, where: "id = \(id)")?.context
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [SessionContext], count: Int) {
        var conditions: [SQL] = []
        if let id = filter.sessionID { conditions.append("session_id = \(id)") }
        if let system = filter.crmSystem { conditions.append("crm_system = \(system)") }
        if let record = filter.crmRecordID { conditions.append("crm_record_id = \(record)") }
        // One session's contexts in their order; across sessions, in the order they were attached.
        let order: SQL = filter.sessionID == nil ? "created_at, id" : "position"
        let found = try db.page(
            ContextRow.self, where: conditions.isEmpty ? nil : .joined(conditions, separator: " AND "), orderBy: order, page)
        return (found.items.map(\.context), found.count)
    }

    /// The contexts of several sessions, each list in position order.
    func contexts(ofSessions ids: [UUID]) throws -> [UUID: [SessionContext]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try db.all(ContextRow.self, where: "session_id IN \(list: ids)", orderBy: "session_id, position")
        return Dictionary(grouping: rows.map(\.context), by: \.sessionID)
    }

    /// Replaces the attributes and/or the CRM reference that were sent (`crm: null` removes it).
    func update(_ id: UUID, attributes: [String: JSONValue]?, crm: CRMReference??) throws -> SessionContext {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard var context = try find(id) else { throw Self.notFound }
            let session = try sessions.lockOpen(context.sessionID, at: now)
            if let attributes { context.attributes = attributes }
            if let crm { context.crm = crm }
            context.updatedAt = now
            let changes = try RowEncoder().encode(ContextRow(context)).filter { ContextRow.writtenColumns.contains($0.column) }
            try db.update(ContextRow.databaseTable, set: changes, where: "id = \(id)")
            try sessions.recordActivity(session, at: now)
            return context
        }
    }

    func delete(_ id: UUID) throws {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard let context = try find(id) else { throw Self.notFound }
            _ = try sessions.lockOpen(context.sessionID, at: now)
            try db.execute("DELETE FROM session_contexts WHERE \(db.condition) AND id = \(id)")
        }
    }

}

/// A row of `session_contexts`: a context with its CRM reference in three columns.
struct ContextRow: DatabaseRecord, Equatable {
    static let databaseTable = "session_contexts"
    static let databaseColumns = [
        "id", "session_id", "position", "attributes", "crm_system", "crm_record_id", "crm_url", "created_by_api_key_id",
        "created_at", "updated_at",
    ]
    /// The columns a change to a context writes.
    static let writtenColumns: Set<String> = ["attributes", "crm_system", "crm_record_id", "crm_url", "updated_at"]

    var id: UUID
    var sessionID: UUID
    var position: Int
    var attributes: [String: JSONValue]
    var crmSystem: String?
    var crmRecordID: String?
    var crmURL: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    var updatedAt: Date

    init(_ context: SessionContext) {
        id = context.id
        sessionID = context.sessionID
        position = context.position
        attributes = context.attributes
        crmSystem = context.crm?.system
        crmRecordID = context.crm?.recordID
        crmURL = context.crm?.url
        createdByAPIKeyID = context.createdByAPIKeyID
        createdAt = context.createdAt
        updatedAt = context.updatedAt
    }

    var context: SessionContext {
        SessionContext(
            id: id, sessionID: sessionID, position: position, attributes: attributes,
            crm: crmSystem.flatMap { system in crmRecordID.map { CRMReference(system: system, recordID: $0, url: crmURL) } },
            createdByAPIKeyID: createdByAPIKeyID, createdAt: createdAt, updatedAt: updatedAt)
    }
}
