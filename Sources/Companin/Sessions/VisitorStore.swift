import Foundation
import HTTP
import MariaDB

/// Visitors in MariaDB, scoped by the caller's organization in every statement: an external id
/// names a visitor only within its organization.
struct VisitorStore {
    let db: ScopedConnection

    static let notFound = HTTPError(.notFound, detail: "Visitor not found")
    /// Links are followed this far; a longer chain would be a bug (linking always points at the end of one).
    private static let maximumLinkHops = 8

    /// The visitor with this id, following links: an anonymous id that was linked to an identified
    /// visitor names that visitor. `lock` takes a row lock on the visitor returned (in a transaction).
    func find(_ id: UUID, lock: Bool = false) throws -> Visitor? {
        let locking: SQL = lock ? "FOR UPDATE" : ""
        var current = id
        for _ in 0..<Self.maximumLinkHops {
            guard
                let row = try db.fetchOne(
                    VisitorRow.self,
                    "SELECT \(VisitorRow.selection()) FROM visitors WHERE \(db.condition) AND id = \(current) \(locking)")
            else { return nil }
            if let next = row.mergedIntoID {
                current = next
                continue
            }
            return row.visitor
        }
        return nil
    }

    /// The id a visitor id names now (an anonymous id that was linked names the identified
    /// visitor), as an SQL expression: for filters on `sessions.visitor_id`.
    func canonicalID(_ id: UUID) -> SQL {
        "COALESCE((SELECT v.merged_into_id FROM visitors v WHERE \(db.condition("v")) AND v.id = \(id)), \(id))"
    }

    func find(externalID: String, lock: Bool = false) throws -> Visitor? {
        let locking: SQL = lock ? "FOR UPDATE" : ""
        return try db.fetchOne(
            VisitorRow.self,
            "SELECT \(VisitorRow.selection()) FROM visitors WHERE \(db.condition) AND external_id = \(externalID) \(locking)"
        )?.visitor
    }

    /// Visitors by id as stored (no link following), for views of many sessions at once.
    func visitors(_ ids: Set<UUID>) throws -> [UUID: Visitor] {
        guard !ids.isEmpty else { return [:] }
        let rows = try db.all(VisitorRow.self, where: "id IN \(list: ids)", orderBy: "id")
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.visitor) })
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
            try db.execute(
                """
                UPDATE visitors SET external_id = \(externalID), identified_at = \(now), last_seen_at = \(now), updated_at = \(now)
                WHERE \(db.condition) AND id = \(visitor.id)
                """)
            var identified = visitor
            identified.externalID = externalID
            identified.identifiedAt = now
            return try update(identified, profile: profile, at: now)
        }
        // Link: the anonymous visitor's sessions, and visitors linked to it before, now point at the identified one.
        try db.execute(
            "UPDATE sessions SET visitor_id = \(existing.id), updated_at = \(now) WHERE \(db.condition) AND visitor_id = \(visitor.id)")
        try db.execute(
            """
            UPDATE visitors SET merged_into_id = \(existing.id), updated_at = \(now) WHERE \(db.condition) AND merged_into_id = \(visitor.id)
            """)
        try db.execute(
            "UPDATE visitors SET merged_into_id = \(existing.id), updated_at = \(now) WHERE \(db.condition) AND id = \(visitor.id)")
        // What the anonymous visitor told us fills the identified one's gaps; what is sent now wins over both.
        return try update(existing, profile: visitor.profile.updated(with: existing.profile).updated(with: profile), at: now)
    }

    /// Writes the profile fields that were sent and marks the visitor seen.
    func update(_ visitor: Visitor, profile: VisitorProfile, at now: Date) throws -> Visitor {
        var updated = visitor
        updated.profile = visitor.profile.updated(with: profile)
        updated.lastSeenAt = now
        updated.updatedAt = now
        let profile = updated.profile
        try db.execute(
            """
            UPDATE visitors SET display_name = \(profile.displayName), email = \(profile.email), phone = \(profile.phone),
                locale = \(profile.locale), last_seen_at = \(now), updated_at = \(now)
            WHERE \(db.condition) AND id = \(visitor.id)
            """)
        return updated
    }

    private func insert(externalID: String?, profile: VisitorProfile, at now: Date) throws -> Visitor {
        let visitor = Visitor(
            id: UUID(), externalID: externalID, profile: profile, identifiedAt: externalID == nil ? nil : now,
            lastSeenAt: now, createdAt: now, updatedAt: now)
        do {
            try db.insert(VisitorRow(visitor, mergedIntoID: nil))
        } catch let error as DatabaseError where error.isDuplicateKey {
            // Another request created this identity a moment ago; the client may simply retry.
            throw HTTPError(.conflict, detail: "The visitor was created concurrently; retry the request")
        }
        return visitor
    }

}

/// A row of `visitors`: a visitor, its profile in four columns, and the visitor it was linked to.
struct VisitorRow: DatabaseRecord, Equatable {
    static let databaseTable = "visitors"
    static let databaseColumns = [
        "id", "external_id", "display_name", "email", "phone", "locale", "merged_into_id", "identified_at", "last_seen_at",
        "created_at", "updated_at",
    ]

    var id: UUID
    var externalID: String?
    var profile: VisitorProfile
    var mergedIntoID: UUID?
    var identifiedAt: Date?
    var lastSeenAt: Date
    var createdAt: Date
    var updatedAt: Date

    init(_ visitor: Visitor, mergedIntoID: UUID?) {
        id = visitor.id
        externalID = visitor.externalID
        profile = visitor.profile
        self.mergedIntoID = mergedIntoID
        identifiedAt = visitor.identifiedAt
        lastSeenAt = visitor.lastSeenAt
        createdAt = visitor.createdAt
        updatedAt = visitor.updatedAt
    }

    var visitor: Visitor {
        Visitor(
            id: id, externalID: externalID, profile: profile, identifiedAt: identifiedAt, lastSeenAt: lastSeenAt, createdAt: createdAt,
            updatedAt: updatedAt)
    }
}
