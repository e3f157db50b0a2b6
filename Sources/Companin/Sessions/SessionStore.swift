import Foundation
import HTTP
import MariaDB

/// Sessions in MariaDB, scoped by the caller's organization in every statement. Every write is one
/// transaction, so a session never exists without its visitor, and a visitor's link and the move of
/// its sessions happen together.
struct SessionStore {
    let database: Connection
    let organizationID: UUID

    static let notFound = HTTPError(.notFound, detail: "Session not found")
    static let columns = """
        id, assistant_id, visitor_id, initial_visitor_id, authenticated, channel, state, metadata, ttl_seconds, sliding,
        expires_at, last_activity_at, identified_at, ended_at, end_reason, created_by_api_key_id, created_at, updated_at
        """

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

    var visitors: VisitorStore { VisitorStore(database: database, organizationID: organizationID) }

    func create(_ input: SessionInput, ttlSeconds: Int, by apiKeyID: UUID?) throws -> Session {
        try database.transaction {
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
            try database.execute(
                sql: """
                INSERT INTO sessions (organization_id, \(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [organizationID.databaseValue] + Self.values(of: session))
            return session
        }
    }

    func find(_ id: UUID, lock: Bool = false) throws -> Session? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM sessions WHERE organization_id = ? AND id = ?\(lock ? " FOR UPDATE" : "")
            """, [organizationID.databaseValue, id.databaseValue]
        ).first.map(Self.decode)
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [Session], count: Int) {
        var condition = SQLFilter("s.organization_id = ?", [organizationID.databaseValue])
        condition.add("s.assistant_id = ?", ifPresent: filter.assistantID)
        if let id = filter.visitorID {
            let visitor = visitors.canonicalID(id)
            condition.add("s.visitor_id = \(visitor.sql)", visitor.values)
        }
        if let externalID = filter.externalID {
            condition.add(
                "s.visitor_id = (SELECT v.id FROM visitors v WHERE v.organization_id = ? AND v.external_id = ?)",
                [organizationID.databaseValue, .text(externalID)])
        }
        condition.add("s.channel = ?", ifPresent: filter.channel)
        // By the state readers see, whether or not the sweeper has marked it yet.
        let now = Date.now.truncatedToMicroseconds.databaseValue
        switch filter.state {
        case .active?: condition.add("s.state = 'active' AND s.expires_at > ?", [now])
        case .expired?: condition.add("(s.state = 'expired' OR (s.state = 'active' AND s.expires_at <= ?))", [now])
        case .ended?: condition.add("s.state = 'ended'")
        case nil: break
        }
        condition.add("s.created_at >= ?", ifPresent: filter.createdAfter)
        condition.add("s.created_at < ?", ifPresent: filter.createdBefore)
        return try database.page(
            Self.columns, from: "sessions s", where: condition, orderBy: "s.created_at, s.id", page, decode: Self.decode)
    }

    /// The sessions of a visitor, oldest first, at most `limit` (the most recent ones when there are more).
    func sessions(ofVisitor visitorID: UUID, limit: Int) throws -> [Session] {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM (
                SELECT \(Self.columns) FROM sessions WHERE organization_id = ? AND visitor_id = ?
                ORDER BY created_at DESC, id DESC LIMIT ?) recent
            ORDER BY created_at, id
            """, [organizationID.databaseValue, visitorID.databaseValue, .int(Int64(limit))]
        ).map(Self.decode)
    }

    func count(ofVisitor visitorID: UUID) throws -> Int {
        try database.query(
            sql: "SELECT COUNT(*) AS count FROM sessions WHERE organization_id = ? AND visitor_id = ?",
            [organizationID.databaseValue, visitorID.databaseValue]
        ).first?.decode(Int.self, "count") ?? 0
    }

    /// Applies a `PATCH` to an open session: identify or describe its visitor, change its metadata,
    /// assistant, lifetime (counted from now) or sliding. A closed session answers `410`.
    func update(_ id: UUID, _ input: SessionInput) throws -> Session {
        try database.transaction {
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
        try database.transaction {
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
            try !database.query(
                sql: "SELECT 1 AS found FROM assistants WHERE organization_id = ? AND id = ? AND deleted_at IS NULL",
                [organizationID.databaseValue, id.databaseValue]
            ).isEmpty
        else {
            throw HTTPError(.notFound, detail: "Assistant not found")
        }
    }

    private func write(_ session: Session) throws {
        try database.execute(
            sql: """
            UPDATE sessions SET assistant_id = ?, visitor_id = ?, authenticated = ?, state = ?, metadata = ?, ttl_seconds = ?,
                sliding = ?, expires_at = ?, last_activity_at = ?, identified_at = ?, ended_at = ?, end_reason = ?, updated_at = ?
            WHERE organization_id = ? AND id = ?
            """,
            [
                session.assistantID.databaseValue, session.visitorID.databaseValue, session.authenticated.databaseValue,
                .text(session.storedState.rawValue), .text(JSONValue.object(session.metadata).serialized),
                .int(Int64(session.ttlSeconds)), session.sliding.databaseValue, session.expiresAt.databaseValue,
                session.lastActivityAt.databaseValue, session.identifiedAt.databaseValue, session.endedAt.databaseValue,
                session.endReason.databaseValue, session.updatedAt.databaseValue,
                organizationID.databaseValue, session.id.databaseValue,
            ])
    }

    // MARK: Rows

    /// Values in the order of `columns`.
    private static func values(of session: Session) -> [DatabaseValue] {
        [
            session.id.databaseValue, session.assistantID.databaseValue, session.visitorID.databaseValue,
            session.initialVisitorID.databaseValue, session.authenticated.databaseValue, .text(session.channel),
            .text(session.storedState.rawValue), .text(JSONValue.object(session.metadata).serialized),
            .int(Int64(session.ttlSeconds)), session.sliding.databaseValue, session.expiresAt.databaseValue,
            session.lastActivityAt.databaseValue, session.identifiedAt.databaseValue, session.endedAt.databaseValue,
            session.endReason.databaseValue, session.createdByAPIKeyID.databaseValue, session.createdAt.databaseValue,
            session.updatedAt.databaseValue,
        ]
    }

    static func decode(_ row: Row) throws -> Session {
        Session(
            id: try row.decode(UUID.self, "id"),
            assistantID: try row.decode(UUID?.self, "assistant_id"),
            visitorID: try row.decode(UUID.self, "visitor_id"),
            initialVisitorID: try row.decode(UUID.self, "initial_visitor_id"),
            authenticated: try row.decode(Bool.self, "authenticated"),
            channel: try row.decode(String.self, "channel"),
            storedState: Session.State(rawValue: try row.decode(String.self, "state")) ?? .active,
            metadata: try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:],
            ttlSeconds: try row.decode(Int.self, "ttl_seconds"),
            sliding: try row.decode(Bool.self, "sliding"),
            expiresAt: try row.decode(Date.self, "expires_at"),
            lastActivityAt: try row.decode(Date.self, "last_activity_at"),
            identifiedAt: try row.decode(Date?.self, "identified_at"),
            endedAt: try row.decode(Date?.self, "ended_at"),
            endReason: try row.decode(String?.self, "end_reason"),
            createdByAPIKeyID: try row.decode(UUID?.self, "created_by_api_key_id"),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
