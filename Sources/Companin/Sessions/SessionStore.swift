import Foundation
import HTTP
import MariaDB

/// Sessions in MariaDB, scoped by the caller's organization in every statement. Every write is one
/// transaction, so a session never exists without its visitor, and a visitor's link and the move of
/// its sessions happen together.
struct SessionStore {
    let db: ScopedConnection

    static let notFound = HTTPError(.notFound, detail: "Session not found")

    /// What `GET /api/v1/sessions/` may filter on.
    struct Filter {
        var assistantID: UUID?
        var visitorID: UUID?
        var externalID: String?
        var channel: String?
        var state: Session.State?
        var createdAfter: Date?
        var createdBefore: Date?
    }

    var visitors: VisitorStore { VisitorStore(db: db) }

    func create(_ input: SessionInput, ttlSeconds: Int, by apiKeyID: UUID?) throws -> Session {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            if let assistantID = input.assistantID { try requireAssistant(assistantID) }
            let visitor = try visitors.resolve(input.visitor, at: now)
            let authenticated = input.visitor?.externalID != nil
            let session = Session(
                id: UUID(), assistantID: input.assistantID, visitorID: visitor.id, initialVisitorID: input.visitor?.id ?? visitor.id,
                authenticated: authenticated, channel: input.channel ?? SessionInput.defaultChannel, storedState: .active,
                metadata: input.metadata ?? [:], ttlSeconds: ttlSeconds, sliding: input.sliding ?? true,
                expiresAt: now.addingTimeInterval(TimeInterval(ttlSeconds)), lastActivityAt: now,
                identifiedAt: authenticated && input.visitor?.id != nil ? now : nil, endedAt: nil, endReason: nil,
                createdByAPIKeyID: apiKeyID, createdAt: now, updatedAt: now)
            try db.insert(session)
            return session
        }
    }

    func find(_ id: UUID, lock: Bool = false) throws -> Session? {
        let locking: SQL = lock ? "FOR UPDATE" : ""
        return try db.fetchOne(
            Session.self, "SELECT \(Session.selection()) FROM sessions WHERE \(db.condition) AND id = \(id) \(locking)"
        )
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [Session], count: Int) {
        var conditions: [SQL] = []
        if let id = filter.assistantID { conditions.append("assistant_id = \(id)") }
        if let id = filter.visitorID { conditions.append("visitor_id = \(visitors.canonicalID(id))") }
        if let externalID = filter.externalID {
            conditions.append(
                "visitor_id = (SELECT v.id FROM visitors v WHERE \(db.condition("v")) AND v.external_id = \(externalID))")
        }
        if let channel = filter.channel { conditions.append("channel = \(channel)") }
        // By the state readers see, whether or not the sweeper has marked it yet.
        let now = Date.now.truncatedToMicroseconds
        switch filter.state {
        case .active?: conditions.append("state = 'active' AND expires_at > \(now)")
        case .expired?: conditions.append("(state = 'expired' OR (state = 'active' AND expires_at <= \(now)))")
        case .ended?: conditions.append("state = 'ended'")
        case nil: break
        }
        if let after = filter.createdAfter { conditions.append("created_at >= \(after)") }
        if let before = filter.createdBefore { conditions.append("created_at < \(before)") }
        let found = try db.page(
            Session.self, where: conditions.isEmpty ? nil : .joined(conditions, separator: " AND "),
            orderBy: "created_at, id", page)
        return (found.items, found.count)
    }

    /// The sessions of a visitor, oldest first, at most `limit` (the most recent ones when there are more).
    func sessions(ofVisitor visitorID: UUID, limit: Int) throws -> [Session] {
        try db.fetchAll(
            Session.self,
            """
            SELECT \(Session.selection()) FROM (
                SELECT \(Session.selection()) FROM sessions WHERE \(db.condition) AND visitor_id = \(visitorID)
                ORDER BY created_at DESC, id DESC LIMIT \(limit)) recent
            ORDER BY created_at, id
            """
        )
    }

    func count(ofVisitor visitorID: UUID) throws -> Int {
        try db.fetchOne(Int.self, "SELECT COUNT(*) FROM sessions WHERE \(db.condition) AND visitor_id = \(visitorID)") ?? 0
    }

    /// Applies a `PATCH` to an open session: identify or describe its visitor, change its metadata,
    /// assistant, lifetime (counted from now) or sliding. A closed session answers `410`.
    func update(_ id: UUID, _ input: SessionInput) throws -> Session {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            var session = try lockOpen(id, at: now)
            if let assistantID = input.assistantID, assistantID != session.assistantID {
                try requireAssistant(assistantID)
                session.assistantID = assistantID
            }
            if let visitor = input.visitor {
                if let externalID = visitor.externalID {
                    let identified = try visitors.identify(session.visitorID, as: externalID, profile: visitor.profile, at: now)
                    if !session.authenticated {
                        session.authenticated = true
                        session.identifiedAt = now
                    }
                    session.visitorID = identified.id
                } else if !visitor.profile.isEmpty, let current = try visitors.find(session.visitorID, lock: true) {
                    _ = try visitors.update(current, profile: visitor.profile, at: now)
                }
            }
            if let metadata = input.metadata { session.metadata = metadata }
            if let sliding = input.sliding { session.sliding = sliding }
            if let ttl = input.ttlSeconds {
                session.ttlSeconds = ttl
                session.expiresAt = now.addingTimeInterval(TimeInterval(ttl))
            }
            session.updatedAt = now
            try write(session)
            return session
        }
    }

    /// Ends a session. Ending it again changes nothing; an expired session cannot be ended (`410`).
    func end(_ id: UUID, reason: String?) throws -> Session {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard var session = try find(id, lock: true) else { throw Self.notFound }
            switch session.state(at: now) {
            case .ended: return session
            case .expired: throw Session.closed
            case .active: break
            }
            session.storedState = .ended
            session.endedAt = now
            session.endReason = reason
            session.updatedAt = now
            try write(session)
            return session
        }
    }

    /// Locks the session for an addition to it (a context, a conversation, a message), in the
    /// caller's transaction: `404` when there is no such session, `410` when it is closed.
    func lockOpen(_ id: UUID, at now: Date) throws -> Session {
        guard let session = try find(id, lock: true) else { throw Self.notFound }
        guard session.isOpen(at: now) else { throw Session.closed }
        return session
    }

    /// Records activity on a session locked with `lockOpen`: a sliding session then lives
    /// `ttl_seconds` from now (never less than it already had).
    func recordActivity(_ session: Session, at now: Date) throws {
        var touched = session
        touched.lastActivityAt = now
        if session.sliding {
            touched.expiresAt = max(session.expiresAt, now.addingTimeInterval(TimeInterval(session.ttlSeconds)))
        }
        touched.updatedAt = now
        try write(touched)
    }

    private func requireAssistant(_ id: UUID) throws {
        guard
            try db.fetchOne(
                Int.self, "SELECT 1 FROM assistants WHERE \(db.condition) AND id = \(id) AND deleted_at IS NULL") != nil
        else {
            throw HTTPError(.notFound, detail: "Assistant not found")
        }
    }

    private func write(_ session: Session) throws {
        let changes = try RowEncoder().encode(session).filter { Session.writtenColumns.contains($0.column) }
        try db.update(Session.databaseTable, set: changes, where: "id = \(session.id)")
    }
}

extension Session: DatabaseRecord {
    static let databaseTable = "sessions"
    static let databaseColumns = [
        "id", "assistant_id", "visitor_id", "initial_visitor_id", "authenticated", "channel", "state", "metadata", "ttl_seconds",
        "sliding", "expires_at", "last_activity_at", "identified_at", "ended_at", "end_reason", "created_by_api_key_id",
        "created_at", "updated_at",
    ]
    /// The columns a change to a session writes; the others are set once, when it is opened.
    static let writtenColumns: Set<String> = [
        "assistant_id", "visitor_id", "authenticated", "state", "metadata", "ttl_seconds", "sliding", "expires_at", "last_activity_at",
        "identified_at", "ended_at", "end_reason", "updated_at",
    ]
}
