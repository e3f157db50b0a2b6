import Crypto
import Foundation
import HTTP
import MariaDB

/// Messages in MariaDB, scoped by the caller's organization. A visitor's message is stored in one
/// transaction, its reply in another after it is written: once a client got `201` both are kept,
/// and a message whose reply was lost (a crash in between) gets one when retried with its
/// `Idempotency-Key`.
struct MessageStore {
    let db: ScopedConnection

    static let maximumIdempotencyKeyLength = 200

    var conversations: ConversationStore { ConversationStore(db: db) }

    /// The outcome of posting: the stored message, its reply (if it gets one), and whether both
    /// were already there (an `Idempotency-Key` retry).
    struct Posted {
        var message: Message
        var reply: Message?
        var replayed: Bool
    }

    /// Stores a message in an open conversation of an open session, then, for a visitor's message
    /// in a conversation the assistant still answers, the reply `compose` writes.
    func post(
        _ input: MessageInput, to conversationID: UUID, idempotencyKey: String?, by apiKeyID: UUID?,
        compose: (Conversation, Message) throws -> (reply: ReplyComposer.Reply, version: Int)?
    ) throws -> Posted {
        let fingerprint = Array(SHA256.hash(data: Data(input.fingerprint.utf8)))
        guard let found = try conversations.find(conversationID) else { throw Conversation.notFound }
        if let idempotencyKey, let earlier = try message(conversationID, idempotencyKey: idempotencyKey) {
            return try replay(earlier, fingerprint: fingerprint, conversation: found, compose: compose)
        }
        let stored: (Message, Conversation)? = try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            let session = try conversations.sessions.lockOpen(found.sessionID, at: now)
            guard var conversation = try conversations.find(conversationID, lock: true) else { throw Conversation.notFound }
            // A retry racing the first attempt waited on the lock above; the first one won.
            if let idempotencyKey, try message(conversationID, idempotencyKey: idempotencyKey) != nil { return nil }
            guard conversation.status != .closed else { throw Conversation.closed }
            let actor: Message.Actor =
                switch input.role {
                case .user: Message.Actor(type: .visitor, id: session.visitorID.uuidString.lowercased())
                case .agent: Message.Actor(type: .agent, id: input.actorID)
                default: Message.Actor(type: .system, id: input.actorID)
                }
            let message = Message(
                id: UUID(), conversationID: conversationID, position: conversation.messageCount + 1, role: input.role,
                content: input.content, metadata: input.metadata, apiKeyID: apiKeyID, actor: actor, inReplyTo: nil,
                assistantVersion: nil, grounding: nil, model: nil, sources: nil, createdAt: now)
            try insert(message, idempotencyKey: idempotencyKey, fingerprint: fingerprint)
            try conversations.recordMessages(&conversation, count: 1, at: now)
            try conversations.sessions.recordActivity(session, at: now)
            return (message, conversation)
        }
        guard let (message, conversation) = stored else {
            guard let idempotencyKey, let earlier = try self.message(conversationID, idempotencyKey: idempotencyKey) else {
                throw Conversation.notFound
            }
            return try replay(earlier, fingerprint: fingerprint, conversation: found, compose: compose)
        }
        return Posted(message: message, reply: try answer(message, in: conversation, compose: compose), replayed: false)
    }

    /// The message a key was first used for, and its reply — written now if it was lost.
    private func replay(
        _ earlier: (message: Message, fingerprint: [UInt8]?), fingerprint: [UInt8], conversation: Conversation,
        compose: (Conversation, Message) throws -> (reply: ReplyComposer.Reply, version: Int)?
    ) throws -> Posted {
        guard earlier.fingerprint == fingerprint else {
            // A 422 in the API's validation shape, like every other.
            throw ValidationError([
                FieldError(
                    loc: [.key("header"), .key("Idempotency-Key")],
                    msg: "Value error, the key was already used for a different message", type: "value_error")
            ])
        }
        let reply =
            try self.reply(to: earlier.message.id, in: earlier.message.conversationID)
            ?? (try answer(earlier.message, in: conversation, compose: compose))
        return Posted(message: earlier.message, reply: reply, replayed: true)
    }

    /// Writes the reply to a visitor's message, unless the conversation is not the assistant's to
    /// answer (handed off, closed) or another attempt already replied.
    private func answer(
        _ message: Message, in conversation: Conversation,
        compose: (Conversation, Message) throws -> (reply: ReplyComposer.Reply, version: Int)?
    ) throws -> Message? {
        guard message.role == .user, conversation.status == .open, let (reply, version) = try compose(conversation, message) else {
            return nil
        }
        do {
            return try db.transaction {
                let now = Date.now.truncatedToMicroseconds
                guard var locked = try conversations.find(conversation.id, lock: true) else { throw Conversation.notFound }
                let written = Message(
                    id: UUID(), conversationID: conversation.id, position: locked.messageCount + 1, role: .assistant,
                    content: reply.content, metadata: [:], apiKeyID: message.apiKeyID,
                    actor: Message.Actor(type: .assistant, id: conversation.assistantID.uuidString.lowercased()), inReplyTo: message.id,
                    assistantVersion: version, grounding: reply.grounding, model: reply.model, sources: reply.sources, createdAt: now)
                try insert(written, idempotencyKey: nil, fingerprint: nil)
                try conversations.recordMessages(&locked, count: 1, at: now, needsHuman: reply.grounding == .none)
                return written
            }
        } catch let error as DatabaseError where error.isDuplicateKey {
            // A concurrent retry replied first; that reply stands.
            return try self.reply(to: message.id, in: conversation.id)
        }
    }

    /// Messages oldest first, after the one named by `after` (a message id of this conversation).
    func list(_ conversationID: UUID, after: UUID?, limit: Int) throws -> (items: [Message], hasMore: Bool) {
        var position = 0
        if let after {
            guard
                let found = try db.fetchOne(
                    Int.self,
                    "SELECT position FROM messages WHERE \(db.condition) AND conversation_id = \(conversationID) AND id = \(after)")
            else {
                throw ValidationError([
                    FieldError(
                        loc: [.key("query"), .key("after")],
                        msg: "Value error, no message with this id in the conversation", type: "value_error")
                ])
            }
            position = found
        }
        let rows = try db.fetchAll(
            MessageRow.self,
            """
            SELECT \(MessageRow.selection()) FROM messages WHERE \(db.condition) AND conversation_id = \(conversationID)
                AND position > \(position)
            ORDER BY position LIMIT \(limit + 1)
            """)
        return (rows.prefix(limit).map(\.message), rows.count > limit)
    }

    /// The `count` messages before `position`, oldest first: what a model sees of the conversation so far.
    func history(_ conversationID: UUID, before position: Int, count: Int) throws -> [Message] {
        try db.fetchAll(
            MessageRow.self,
            """
            SELECT \(MessageRow.selection()) FROM messages WHERE \(db.condition) AND conversation_id = \(conversationID)
                AND position < \(position)
            ORDER BY position DESC LIMIT \(count)
            """
        )
        .map(\.message).reversed()
    }

    /// Every message of a conversation, oldest first, for its transcript.
    func all(_ conversationID: UUID) throws -> [Message] {
        try db.all(MessageRow.self, where: "conversation_id = \(conversationID)", orderBy: "position").map(\.message)
    }

    func find(_ id: UUID, in conversationID: UUID) throws -> Message? {
        try db.find(MessageRow.self, where: "conversation_id = \(conversationID) AND id = \(id)")?.message
    }

    func reply(to messageID: UUID, in conversationID: UUID) throws -> Message? {
        try db.find(MessageRow.self, where: "conversation_id = \(conversationID) AND in_reply_to = \(messageID)")?.message
    }

    private func message(_ conversationID: UUID, idempotencyKey: String) throws -> (message: Message, fingerprint: [UInt8]?)? {
        try db.find(IdempotentMessageRow.self, where: "conversation_id = \(conversationID) AND idempotency_key = \(idempotencyKey)")
            .map { ($0.message.message, $0.requestSHA256) }
    }

    private func insert(_ message: Message, idempotencyKey: String?, fingerprint: [UInt8]?) throws {
        try db.insert(IdempotentMessageRow(message: MessageRow(message), idempotencyKey: idempotencyKey, requestSHA256: fingerprint))
    }
}

/// A row of `messages` as read: a message with its actor in two columns.
struct MessageRow: DatabaseRecord, FlattenedColumns, Equatable {
    static let databaseTable = "messages"
    static let databaseColumns = [
        "id", "conversation_id", "position", "role", "content", "metadata", "api_key_id", "actor_type", "actor_id", "in_reply_to",
        "assistant_version", "grounding", "model", "sources", "created_at",
    ]

    var id: UUID
    var conversationID: UUID
    var position: Int
    var role: Message.Role
    var content: String
    var metadata: [String: JSONValue]
    var apiKeyID: UUID?
    var actorType: Message.Actor.Kind
    var actorID: String?
    var inReplyTo: UUID?
    var assistantVersion: Int?
    var grounding: Message.Grounding?
    var model: String?
    var sources: [Message.Source]?
    var createdAt: Date

    init(_ message: Message) {
        id = message.id
        conversationID = message.conversationID
        position = message.position
        role = message.role
        content = message.content
        metadata = message.metadata
        apiKeyID = message.apiKeyID
        actorType = message.actor.type
        actorID = message.actor.id
        inReplyTo = message.inReplyTo
        assistantVersion = message.assistantVersion
        grounding = message.grounding
        model = message.model
        sources = message.sources
        createdAt = message.createdAt
    }

    var message: Message {
        Message(
            id: id, conversationID: conversationID, position: position, role: role, content: content, metadata: metadata,
            apiKeyID: apiKeyID, actor: Message.Actor(type: actorType, id: actorID), inReplyTo: inReplyTo,
            assistantVersion: assistantVersion, grounding: grounding, model: model, sources: sources, createdAt: createdAt)
    }
}

/// A row of `messages` with the `Idempotency-Key` it was sent with and the SHA-256 of that request.
struct IdempotentMessageRow: DatabaseRecord, Equatable {
    static let databaseTable = MessageRow.databaseTable
    static let databaseColumns = MessageRow.databaseColumns + ["idempotency_key", "request_sha256"]

    var message: MessageRow
    var idempotencyKey: String?
    var requestSHA256: [UInt8]?
}
