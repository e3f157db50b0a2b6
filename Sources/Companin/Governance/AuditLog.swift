import Foundation
import HTTP
import MariaDB

/// Who did an administrative action: the key (or the token's minting key) and where from, or the
/// operator CLI.
struct AuditActor {
    var keyID: UUID?
    var kind: String
    var clientAddress: String?
    var requestID: String?

    static let cli = AuditActor(keyID: nil, kind: "cli", clientAddress: nil, requestID: nil)
}

extension AppContext {
    /// The authenticated caller as the audit trail records it.
    func auditActor(_ request: Request) -> AuditActor {
        AuditActor(
            keyID: principal?.keyID, kind: principal?.kind.rawValue ?? Principal.Kind.apiKey.rawValue,
            clientAddress: request.remoteAddress.map { String($0.prefix(45)) }, requestID: requestID)
    }
}

/// One administrative action, as `GET /analytics/audit/` shows it. Never holds a secret.
struct AuditEvent: Codable, Sendable, DatabaseRecord {
    static let databaseTable = "audit_events"
    static let databaseColumns = [
        "id", "occurred_at", "actor_key_id", "actor_kind", "client_address", "request_id", "action", "target_type", "target_id",
        "details",
    ]

    var id: Int64?
    var occurredAt: Date
    var actorKeyID: UUID?
    var actorKind: String
    var clientAddress: String?
    var requestID: String?
    /// `key.created`, `key.revoked`, `key.rotated`, `key.scopes_changed`, `organization.limit_changed`,
    /// `assistant.promoted`, `assistant.deleted`, `knowledge.deleted`, …
    var action: String
    var targetType: String
    var targetID: String
    var details: [String: JSONValue]
}

/// The append-only trail of administrative actions of one organization (triggers refuse `UPDATE`
/// and `DELETE`). An action and its event are written in the same transaction by the caller.
struct AuditLog {
    let db: ScopedConnection

    func record(_ action: String, target: (type: String, id: String), details: [String: JSONValue] = [:], by actor: AuditActor) throws {
        try db.insert(
            AuditEvent(
                id: nil, occurredAt: .now.truncatedToMicroseconds, actorKeyID: actor.keyID, actorKind: actor.kind,
                clientAddress: actor.clientAddress, requestID: actor.requestID, action: action, targetType: target.type,
                targetID: target.id, details: details))
    }

    struct Filter {
        var action: String?
        var actorKeyID: UUID?
        var after: Date?
        var before: Date?
    }

    /// Newest first.
    func page(_ filter: Filter, _ page: Pagination) throws -> Page<AuditEvent> {
        var conditions: [SQL] = []
        if let action = filter.action { conditions.append("action = \(action)") }
        if let key = filter.actorKeyID { conditions.append("actor_key_id = \(key)") }
        if let after = filter.after { conditions.append("occurred_at >= \(after)") }
        if let before = filter.before { conditions.append("occurred_at < \(before)") }
        let condition = conditions.isEmpty ? nil : SQL.joined(conditions, separator: " AND ")
        return try db.page(AuditEvent.self, where: condition, orderBy: "occurred_at DESC, id DESC", page)
    }
}

extension AppContext {
    /// Runs `change` and, when it did something (a non-`nil` result), records `action` on the
    /// target `describe` names, in one transaction: an action is never done unrecorded.
    func audited<T>(
        _ request: Request, _ action: String, _ change: () throws -> T?,
        describe: (T) -> (target: (type: String, id: String), details: [String: JSONValue])
    ) throws -> T? {
        let db = try organizationDatabase()
        return try db.transaction {
            guard let result = try change() else { return nil }
            let description = describe(result)
            try AuditLog(db: db).record(action, target: description.target, details: description.details, by: auditActor(request))
            return result
        }
    }
}
