import Crypto
import Foundation
import HTTP
import MariaDB

/// Messages in MariaDB, scoped by the caller's organization. A visitor's message is stored in one
/// transaction, its reply in another after it is written: once a client got `201` both are kept,
/// and a message whose reply was lost (a crash in between) gets one when retried with its
/// `Idempotency-Key`.
struct MessageStore {
    let database: Connection
    let organizationID: UUID

    static let columns = """
        id, conversation_id, position, role, content, metadata, api_key_id, actor_type, actor_id, in_reply_to,
        assistant_version, grounding, model, sources, created_at
        """
    static let maximumIdempotencyKeyLength = 200

    var conversations: ConversationStore { ConversationStore(database: database, organizationID: organizationID) }

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
        let stored: (Message, Conversation)? = try database.transaction {
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
            return try database.transaction {
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
                let row = try database.query(
                    sql: """
                    SELECT position FROM messages WHERE organization_id = ? AND conversation_id = ? AND id = ?
                    """, [organizationID.databaseValue, conversationID.databaseValue, after.databaseValue]
                ).first
            else {
                throw ValidationError([
                    FieldError(
                        loc: [.key("query"), .key("after")],
                        msg: "Value error, no message with this id in the conversation", type: "value_error")
                ])
            }
            position = try row.decode(Int.self, "position")
        }
        let rows = try database.query(
            sql: """
            SELECT \(Self.columns) FROM messages WHERE organization_id = ? AND conversation_id = ? AND position > ?
            ORDER BY position LIMIT ?
            """, [organizationID.databaseValue, conversationID.databaseValue, .int(Int64(position)), .int(Int64(limit + 1))])
        let items = try rows.prefix(limit).map(Self.decode)
        return (items, rows.count > limit)
    }

    /// The `count` messages before `position`, oldest first: what a model sees of the conversation so far.
    func history(_ conversationID: UUID, before position: Int, count: Int) throws -> [Message] {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM messages WHERE organization_id = ? AND conversation_id = ? AND position < ?
            ORDER BY position DESC LIMIT ?
            """, [organizationID.databaseValue, conversationID.databaseValue, .int(Int64(position)), .int(Int64(count))]
        )
        .map(Self.decode).reversed()
    }

    /// Every message of a conversation, oldest first, for its transcript.
    func all(_ conversationID: UUID) throws -> [Message] {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM messages WHERE organization_id = ? AND conversation_id = ? ORDER BY position
            """, [organizationID.databaseValue, conversationID.databaseValue]
        ).map(Self.decode)
    }

    func find(_ id: UUID, in conversationID: UUID) throws -> Message? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM messages WHERE organization_id = ? AND conversation_id = ? AND id = ?
            """, [organizationID.databaseValue, conversationID.databaseValue, id.databaseValue]
        ).first.map(Self.decode)
    }

    func reply(to messageID: UUID, in conversationID: UUID) throws -> Message? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM messages WHERE organization_id = ? AND conversation_id = ? AND in_reply_to = ?
            """, [organizationID.databaseValue, conversationID.databaseValue, messageID.databaseValue]
        ).first.map(Self.decode)
    }

    private func message(_ conversationID: UUID, idempotencyKey: String) throws -> (message: Message, fingerprint: [UInt8]?)? {
        guard
            let row = try database.query(
                sql: """
                SELECT \(Self.columns), request_sha256 FROM messages WHERE organization_id = ? AND conversation_id = ? AND idempotency_key = ?
                """, [organizationID.databaseValue, conversationID.databaseValue, .text(idempotencyKey)]
            ).first
        else { return nil }
        return (try Self.decode(row), try row.decode([UInt8]?.self, "request_sha256"))
    }

    private func insert(_ message: Message, idempotencyKey: String?, fingerprint: [UInt8]?) throws {
        let sources = message.sources.map { sources in
            JSONValue.array(
                sources.map { source in
                    .object([
                        "source_id": .string(source.sourceID.uuidString.lowercased()), "chunk_id": .int(source.chunkID),
                        "kind": .string(source.kind), "title": .string(source.title), "score": .double(source.score),
                    ])
                }
            ).serialized
        }
        try database.execute(
            sql: """
            INSERT INTO messages (organization_id, \(Self.columns), idempotency_key, request_sha256)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                organizationID.databaseValue, message.id.databaseValue, message.conversationID.databaseValue,
                .int(Int64(message.position)), .text(message.role.rawValue), .text(message.content),
                .text(JSONValue.object(message.metadata).serialized), message.apiKeyID.databaseValue,
                .text(message.actor.type.rawValue), message.actor.id.databaseValue, message.inReplyTo.databaseValue,
                message.assistantVersion.databaseValue, message.grounding?.rawValue.databaseValue ?? .null,
                message.model.databaseValue, sources.databaseValue, message.createdAt.databaseValue,
                idempotencyKey.databaseValue, fingerprint.map { .blob($0) } ?? .null,
            ])
    }

    static func decode(_ row: Row) throws -> Message {
        let sources = try row.decode(String?.self, "sources").map { text in
            try JSONDecoder().decode([Message.Source].self, from: Data(text.utf8))
        }
        return Message(
            id: try row.decode(UUID.self, "id"),
            conversationID: try row.decode(UUID.self, "conversation_id"),
            position: try row.decode(Int.self, "position"),
            role: Message.Role(rawValue: try row.decode(String.self, "role")) ?? .system,
            content: try row.decode(String.self, "content"),
            metadata: try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:],
            apiKeyID: try row.decode(UUID?.self, "api_key_id"),
            actor: Message.Actor(
                type: Message.Actor.Kind(rawValue: try row.decode(String.self, "actor_type")) ?? .system,
                id: try row.decode(String?.self, "actor_id")),
            inReplyTo: try row.decode(UUID?.self, "in_reply_to"),
            assistantVersion: try row.decode(Int?.self, "assistant_version"),
            grounding: try row.decode(String?.self, "grounding").flatMap(Message.Grounding.init(rawValue:)),
            model: try row.decode(String?.self, "model"),
            sources: sources,
            createdAt: try row.decode(Date.self, "created_at"))
    }
}
