import Foundation
import HTTP
import MariaDB

/// Visitors in MariaDB, scoped by the caller's organization in every statement: an external id
/// names a visitor only within its organization.
struct VisitorStore {
    let database: Connection
    let organizationID: UUID

    static let notFound = HTTPError(.notFound, detail: "Visitor not found")
    static let columns =
        "id, external_id, \(VisitorProfile.columns.joined(separator: ", ")), merged_into_id, identified_at, last_seen_at, created_at, updated_at"
    /// Links are followed this far; a longer chain would be a bug (linking always points at the end of one).
    private static let maximumLinkHops = 8

    /// The visitor with this id, following links: an anonymous id that was linked to an identified
    /// visitor names that visitor. `lock` takes a row lock on the visitor returned (in a transaction).
    func find(_ id: UUID, lock: Bool = false) throws -> Visitor? {
        var current = id
        for _ in 0..<Self.maximumLinkHops {
            guard
                let row = try database.query(
                    sql: """
                    SELECT \(Self.columns) FROM visitors WHERE organization_id = ? AND id = ?\(lock ? " FOR UPDATE" : "")
                    """, [organizationID.databaseValue, current.databaseValue]
                ).first
            else { return nil }
            if let next = try row.decode(UUID?.self, "merged_into_id") {
                current = next
                continue
            }
            return try Self.decode(row)
        }
        return nil
    }

    /// SQL for the id a visitor id names now (an anonymous id that was linked names the identified
    /// visitor), with its bindings: for filters on `sessions.visitor_id`.
    func canonicalID(_ id: UUID) -> (sql: String, values: [DatabaseValue]) {
        (
            "COALESCE((SELECT v.merged_into_id FROM visitors v WHERE v.organization_id = ? AND v.id = ?), ?)",
            [organizationID.databaseValue, id.databaseValue, id.databaseValue]
        )
    }

    func find(externalID: String, lock: Bool = false) throws -> Visitor? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM visitors WHERE organization_id = ? AND external_id = ?\(lock ? " FOR UPDATE" : "")
            """, [organizationID.databaseValue, .text(externalID)]
        ).first.map(Self.decode)
    }

    /// Visitors by id as stored (no link following), for views of many sessions at once.
    func visitors(_ ids: Set<UUID>) throws -> [UUID: Visitor] {
        guard !ids.isEmpty else { return [:] }
        let list = Array(ids)
        let rows = try database.query(
            sql: """
            SELECT \(Self.columns) FROM visitors
            WHERE organization_id = ? AND id IN (\(Array(repeating: "?", count: list.count).joined(separator: ", ")))
            """, [organizationID.databaseValue] + list.map(\.databaseValue))
        return Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let visitor = try Self.decode(row)
                return (visitor.id, visitor)
            })
    }

    /// The visitor a new session is for, in the caller's transaction: the identified visitor with
    /// `external_id` (created on first sight), the anonymous one the channel kept (`id`), both at once
    /// (the anonymous visitor identified, and linked when the identity already exists), or a new
    /// anonymous visitor when nothing was sent.
    func resolve(_ input: VisitorInput?, at now: Date) throws -> Visitor {
        let profile = input?.profile ?? VisitorProfile()
        switch (input?.id, input?.externalID) {
        case (let id?, let externalID?):
            return try identify(id, as: externalID, profile: profile, at: now)
        case (let id?, nil):
            guard let visitor = try find(id, lock: true) else { throw Self.notFound }
            return try update(visitor, profile: profile, at: now)
        case (nil, let externalID?):
            if let visitor = try find(externalID: externalID, lock: true) {
                return try update(visitor, profile: profile, at: now)
            }
            return try insert(externalID: externalID, profile: profile, at: now)
        case (nil, nil):
            return try insert(externalID: nil, profile: profile, at: now)
        }
    }

    /// Identifies a visitor as `externalID`, in the caller's transaction. An anonymous visitor takes
    /// the identity when nobody has it; when an identified visitor already has it, the anonymous one
    /// is linked there: its sessions move to that visitor (keeping `initial_visitor_id`), and its id
    /// keeps naming that visitor. A visitor identified as someone else is a `409`.
    func identify(_ id: UUID, as externalID: String, profile: VisitorProfile, at now: Date) throws -> Visitor {
        guard let visitor = try find(id, lock: true) else { throw Self.notFound }
        if let current = visitor.externalID {
            guard current == externalID else {
                throw HTTPError(.conflict, detail: "The visitor is already identified with another external_id")
            }
            return try update(visitor, profile: profile, at: now)
        }
        guard let existing = try find(externalID: externalID, lock: true) else {
            try database.execute(
                sql: """
                UPDATE visitors SET external_id = ?, identified_at = ?, last_seen_at = ?, updated_at = ?
                WHERE organization_id = ? AND id = ?
                """,
                [
                    .text(externalID), now.databaseValue, now.databaseValue, now.databaseValue,
                    organizationID.databaseValue, visitor.id.databaseValue,
                ])
            var identified = visitor
            identified.externalID = externalID
            identified.identifiedAt = now
            return try update(identified, profile: profile, at: now)
        }
        // Link: the anonymous visitor's sessions, and visitors linked to it before, now point at the identified one.
        try database.execute(
            sql: "UPDATE sessions SET visitor_id = ?, updated_at = ? WHERE organization_id = ? AND visitor_id = ?",
            [existing.id.databaseValue, now.databaseValue, organizationID.databaseValue, visitor.id.databaseValue])
        try database.execute(
            sql: "UPDATE visitors SET merged_into_id = ?, updated_at = ? WHERE organization_id = ? AND merged_into_id = ?",
            [existing.id.databaseValue, now.databaseValue, organizationID.databaseValue, visitor.id.databaseValue])
        try database.execute(
            sql: "UPDATE visitors SET merged_into_id = ?, updated_at = ? WHERE organization_id = ? AND id = ?",
            [existing.id.databaseValue, now.databaseValue, organizationID.databaseValue, visitor.id.databaseValue])
        // What the anonymous visitor told us fills the identified one's gaps; what is sent now wins over both.
        return try update(existing, profile: visitor.profile.updated(with: existing.profile).updated(with: profile), at: now)
    }

    /// Writes the profile fields that were sent and marks the visitor seen.
    func update(_ visitor: Visitor, profile: VisitorProfile, at now: Date) throws -> Visitor {
        var updated = visitor
        updated.profile = visitor.profile.updated(with: profile)
        updated.lastSeenAt = now
        updated.updatedAt = now
        try database.execute(
            sql: """
            UPDATE visitors SET \(VisitorProfile.columns.map { "\($0) = ?" }.joined(separator: ", ")), last_seen_at = ?, updated_at = ?
            WHERE organization_id = ? AND id = ?
            """,
            updated.profile.values.map(\.databaseValue) + [
                now.databaseValue, now.databaseValue,
                organizationID.databaseValue, visitor.id.databaseValue,
            ])
        return updated
    }

    private func insert(externalID: String?, profile: VisitorProfile, at now: Date) throws -> Visitor {
        let visitor = Visitor(
            id: UUID(), externalID: externalID, profile: profile, identifiedAt: externalID == nil ? nil : now,
            lastSeenAt: now, createdAt: now, updatedAt: now)
        do {
            try database.execute(
                sql: """
                INSERT INTO visitors (organization_id, id, external_id, \(VisitorProfile.columns.joined(separator: ", ")),
                    identified_at, last_seen_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [organizationID.databaseValue, visitor.id.databaseValue, externalID.databaseValue]
                    + profile.values.map(\.databaseValue)
                    + [visitor.identifiedAt.databaseValue, now.databaseValue, now.databaseValue, now.databaseValue])
        } catch let error as DatabaseError where error.isDuplicateKey {
            // Another request created this identity a moment ago; the client may simply retry.
            throw HTTPError(.conflict, detail: "The visitor was created concurrently; retry the request")
        }
        return visitor
    }

    static func decode(_ row: Row) throws -> Visitor {
        Visitor(
            id: try row.decode(UUID.self, "id"),
            externalID: try row.decode(String?.self, "external_id"),
            profile: VisitorProfile(
                displayName: try row.decode(String?.self, "display_name"), email: try row.decode(String?.self, "email"),
                phone: try row.decode(String?.self, "phone"), locale: try row.decode(String?.self, "locale")),
            identifiedAt: try row.decode(Date?.self, "identified_at"),
            lastSeenAt: try row.decode(Date.self, "last_seen_at"),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
