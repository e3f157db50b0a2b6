import Foundation
import HTTP

/// A conversation between a session's visitor and an assistant. It records the assistant version
/// live when it was opened; each reply records the version that wrote it.
struct Conversation: Sendable, Equatable {
    enum Status: String, Sendable, Codable, CaseIterable {
        case open
        case handedOff = "handed_off"
        case closed
    }

    var id: UUID
    var assistantID: UUID
    var assistantVersion: Int
    var sessionID: UUID
    var status: Status
    var needsHuman: Bool
    var task: RenderedTask?
    var metadata: [String: JSONValue]
    var messageCount: Int
    var lastMessageAt: Date?
    var handoffReason: String?
    var handedOffAt: Date?
    var handedOffByAPIKeyID: UUID?
    var closedAt: Date?
    var closeReason: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    var updatedAt: Date

    /// The task template the conversation was opened for, rendered.
    struct RenderedTask: Sendable, Equatable, Encodable {
        var name: String
        var text: String
    }

    static let notFound = HTTPError(.notFound, detail: "Conversation not found")
    static let closed = HTTPError(.conflict, detail: "Conversation is closed")
}

extension Conversation: Encodable {
    enum CodingKeys: String, CodingKey {
        case id
        case assistantID = "assistant_id"
        case assistantVersion = "assistant_version"
        case sessionID = "session_id"
        case status
        case needsHuman = "needs_human"
        case task, metadata
        case messageCount = "message_count"
        case lastMessageAt = "last_message_at"
        case handoffReason = "handoff_reason"
        case handedOffAt = "handed_off_at"
        case closedAt = "closed_at"
        case closeReason = "close_reason"
        case createdByAPIKeyID = "created_by_api_key_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One message of a conversation, as written: never edited, never deleted through the API.
struct Message: Sendable, Equatable {
    enum Role: String, Sendable, Codable, CaseIterable {
        case user, assistant, agent, system
    }

    /// How a reply was found.
    enum Grounding: String, Sendable, Codable {
        /// The answer of a Q&A pair whose question matched strongly.
        case qa
        /// Sentences of the best-matching chunks.
        case chunks
        /// A language model's answer over the best-matching chunks.
        case model
        /// Nothing relevant enough: the reply says so and the conversation needs a human.
        case none
    }

    /// Who wrote a message, for the audit trail.
    struct Actor: Sendable, Equatable, Encodable {
        enum Kind: String, Sendable, Codable { case visitor, agent, system, assistant }
        var type: Kind
        var id: String?
    }

    /// A knowledge chunk a reply was grounded on.
    struct Source: Sendable, Equatable, Codable {
        var sourceID: UUID
        var chunkID: Int64
        var kind: String
        var title: String
        var score: Double

        enum CodingKeys: String, CodingKey {
            case sourceID = "source_id"
            case chunkID = "chunk_id"
            case kind, title, score
        }

        /// The id in lowercase, as MariaDB prints UUIDs: a DBA can match it against `knowledge_sources.id`.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(sourceID.uuidString.lowercased(), forKey: .sourceID)
            try container.encode(chunkID, forKey: .chunkID)
            try container.encode(kind, forKey: .kind)
            try container.encode(title, forKey: .title)
            try container.encode(score, forKey: .score)
        }
    }

    var id: UUID
    var conversationID: UUID
    var position: Int
    var role: Role
    var content: String
    var metadata: [String: JSONValue]
    var apiKeyID: UUID?
    var actor: Actor
    var inReplyTo: UUID?
    var assistantVersion: Int?
    var grounding: Grounding?
    var model: String?
    var sources: [Source]?
    var createdAt: Date
}

extension Message: Encodable {
    enum CodingKeys: String, CodingKey {
        case id
        case conversationID = "conversation_id"
        case position, role, content, metadata
        case apiKeyID = "api_key_id"
        case actor
        case inReplyTo = "in_reply_to"
        case assistantVersion = "assistant_version"
        case grounding, model, sources
        case createdAt = "created_at"
    }
}

/// A satisfaction rating of a conversation or one of its messages.
struct Feedback: Sendable, Equatable {
    enum ActorKind: String, Sendable, Codable, CaseIterable { case visitor, agent, system }

    var id: UUID
    var conversationID: UUID
    var messageID: UUID?
    var assistantID: UUID
    var assistantVersion: Int
    var rating: Int
    var comment: String?
    var actorType: ActorKind
    var actorID: String
    var metadata: [String: JSONValue]
    var apiKeyID: UUID?
    var isCurrent: Bool
    var supersededAt: Date?
    var createdAt: Date
}

extension Feedback: Encodable {
    enum CodingKeys: String, CodingKey {
        case id
        case conversationID = "conversation_id"
        case messageID = "message_id"
        case assistantID = "assistant_id"
        case assistantVersion = "assistant_version"
        case rating, comment, actor, metadata
        case apiKeyID = "api_key_id"
        case isCurrent = "is_current"
        case supersededAt = "superseded_at"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(conversationID, forKey: .conversationID)
        try container.encode(messageID, forKey: .messageID)
        try container.encode(assistantID, forKey: .assistantID)
        try container.encode(assistantVersion, forKey: .assistantVersion)
        try container.encode(rating, forKey: .rating)
        try container.encode(comment, forKey: .comment)
        try container.encode(FeedbackActor(type: actorType, id: actorID), forKey: .actor)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(apiKeyID, forKey: .apiKeyID)
        try container.encode(isCurrent, forKey: .isCurrent)
        try container.encode(supersededAt, forKey: .supersededAt)
        try container.encode(createdAt, forKey: .createdAt)
    }

    private struct FeedbackActor: Encodable {
        var type: ActorKind
        var id: String
    }
}
