import Foundation
import HTTP

/// A visitor's session on one channel. It takes new conversations, messages and contexts while it
/// is open; once ended or past `expiresAt` it refuses them (`410`) but stays readable for audit.
struct Session: Sendable, Equatable {
    enum State: String, Sendable, Codable, CaseIterable {
        case active, ended, expired
    }

    var id: UUID
    var assistantID: UUID?
    var visitorID: UUID
    /// The visitor the session was opened for; differs from `visitorID` once an anonymous visitor was linked.
    var initialVisitorID: UUID
    var authenticated: Bool
    var channel: String
    /// The state as stored: `active` rows past their expiry are `expired` to readers before the sweeper marks them.
    var storedState: State
    var metadata: [String: JSONValue]
    var ttlSeconds: Int
    var sliding: Bool
    var expiresAt: Date
    var lastActivityAt: Date
    var identifiedAt: Date?
    var endedAt: Date?
    var endReason: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    var updatedAt: Date

    func state(at now: Date) -> State {
        storedState == .active && expiresAt <= now ? .expired : storedState
    }

    func isOpen(at now: Date) -> Bool { state(at: now) == .active }

    /// What a closed session answers to anything that would add to it.
    static let closed = HTTPError(.gone, detail: "Session expired")
}

/// A session is a row of `sessions` as it is: its columns are the properties' snake_case names,
/// except `storedState`, which is the `state` column. (The API shows `SessionView`.)
extension Session: Codable {
    enum CodingKeys: String, CodingKey {
        case id, assistantID, visitorID, initialVisitorID, authenticated, channel
        case storedState = "state"
        case metadata, ttlSeconds, sliding, expiresAt, lastActivityAt, identifiedAt, endedAt, endReason, createdByAPIKeyID
        case createdAt, updatedAt
    }
}

/// A session as the API shows it: with its visitor, and the attributes and CRM references of its
/// contexts merged in order.
struct SessionView: Encodable {
    let session: Session
    let visitor: Visitor
    let contexts: [SessionContext]
    let now: Date
    /// Lists the contexts themselves too (the visitor journey), not only their merge.
    var showsContexts = false

    enum CodingKeys: String, CodingKey {
        case id
        case assistantID = "assistant_id"
        case channel, state, authenticated, visitor
        case initialVisitorID = "initial_visitor_id"
        case attributes, crm
        case contextCount = "context_count"
        case contexts
        case metadata
        case ttlSeconds = "ttl_seconds"
        case sliding
        case expiresAt = "expires_at"
        case lastActivityAt = "last_activity_at"
        case identifiedAt = "identified_at"
        case endedAt = "ended_at"
        case endReason = "end_reason"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(session.id, forKey: .id)
        try container.encode(session.assistantID, forKey: .assistantID)
        try container.encode(session.channel, forKey: .channel)
        try container.encode(session.state(at: now), forKey: .state)
        try container.encode(session.authenticated, forKey: .authenticated)
        try container.encode(visitor, forKey: .visitor)
        try container.encode(session.initialVisitorID, forKey: .initialVisitorID)
        try container.encode(SessionContext.mergedAttributes(contexts), forKey: .attributes)
        try container.encode(SessionContext.crmReferences(contexts), forKey: .crm)
        try container.encode(contexts.count, forKey: .contextCount)
        if showsContexts { try container.encode(contexts, forKey: .contexts) }
        try container.encode(session.metadata, forKey: .metadata)
        try container.encode(session.ttlSeconds, forKey: .ttlSeconds)
        try container.encode(session.sliding, forKey: .sliding)
        try container.encode(session.expiresAt, forKey: .expiresAt)
        try container.encode(session.lastActivityAt, forKey: .lastActivityAt)
        try container.encode(session.identifiedAt, forKey: .identifiedAt)
        try container.encode(session.endedAt, forKey: .endedAt)
        try container.encode(session.endReason, forKey: .endReason)
        try container.encode(session.createdAt, forKey: .createdAt)
        try container.encode(session.updatedAt, forKey: .updatedAt)
    }
}
