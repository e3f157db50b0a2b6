import Foundation
import HTTP
import MariaDB

/// Feedback in MariaDB, scoped by the caller's organization. Each rater has one current rating per
/// conversation or message: rating again supersedes the earlier row, which stays as history.
struct FeedbackStore {
    let database: Connection
    let organizationID: UUID

    static let columns = """
        id, conversation_id, message_id, assistant_id, assistant_version, rating, comment, actor_type, actor_id, metadata,
        api_key_id, is_current, superseded_at, created_at
        """

    /// Stores a rating; `replaced` when it superseded the same rater's earlier rating of the same target.
    func rate(_ conversationID: UUID, _ input: FeedbackInput, by apiKeyID: UUID?) throws -> (feedback: Feedback, replaced: Bool) {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            let conversations = ConversationStore(database: database, organizationID: organizationID)
            // The conversation's lock orders concurrent ratings by the same rater.
            guard let conversation = try conversations.find(conversationID, lock: true) else { throw Conversation.notFound }
            var version = conversation.assistantVersion
            if let messageID = input.messageID {
                guard
                    let message = try MessageStore(database: database, organizationID: organizationID)
                        .find(messageID, in: conversationID)
                else { throw HTTPError(.notFound, detail: "Message not found") }
                version = message.assistantVersion ?? version
            }
            let actorID: String
            switch input.actorType {
            case .visitor:
                // A visitor is the session's: one rating per person, whatever id a channel sends.
                guard let session = try conversations.sessions.find(conversation.sessionID) else { throw Conversation.notFound }
                actorID = session.visitorID.uuidString.lowercased()
            case .agent, .system:
                actorID = input.actorID ?? apiKeyID?.uuidString.lowercased() ?? input.actorType.rawValue
            }
            let replaced =
                try database.execute(
                    sql: """
                    UPDATE feedback SET is_current = FALSE, superseded_at = ?
                    WHERE organization_id = ? AND conversation_id = ? AND message_id <=> ? AND actor_type = ? AND actor_id = ? AND is_current
                    """,
                    [
                        now.databaseValue, organizationID.databaseValue, conversationID.databaseValue, input.messageID.databaseValue,
                        .text(input.actorType.rawValue), .text(actorID),
                    ]
                ).affectedRows > 0
            let feedback = Feedback(
                id: UUID(), conversationID: conversationID, messageID: input.messageID, assistantID: conversation.assistantID,
                assistantVersion: version, rating: input.rating, comment: input.comment, actorType: input.actorType, actorID: actorID,
                metadata: input.metadata, apiKeyID: apiKeyID, isCurrent: true, supersededAt: nil, createdAt: now)
            try database.execute(
                sql: """
                INSERT INTO feedback (organization_id, \(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    organizationID.databaseValue, feedback.id.databaseValue, conversationID.databaseValue,
                    feedback.messageID.databaseValue, feedback.assistantID.databaseValue, .int(Int64(version)),
                    .int(Int64(feedback.rating)), feedback.comment.databaseValue, .text(feedback.actorType.rawValue),
                    .text(actorID), .text(JSONValue.object(feedback.metadata).serialized), apiKeyID.databaseValue,
                    true.databaseValue, Date?.none.databaseValue, now.databaseValue,
                ])
            return (feedback, replaced)
        }
    }

    /// The conversation's ratings, oldest first: the current ones, or with `history` every one ever given.
    func list(_ conversationID: UUID, history: Bool) throws -> [Feedback] {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM feedback WHERE organization_id = ? AND conversation_id = ?\(history ? "" : " AND is_current")
            ORDER BY created_at, id
            """, [organizationID.databaseValue, conversationID.databaseValue]
        ).map(Self.decode)
    }

    static func decode(_ row: Row) throws -> Feedback {
        Feedback(
            id: try row.decode(UUID.self, "id"),
            conversationID: try row.decode(UUID.self, "conversation_id"),
            messageID: try row.decode(UUID?.self, "message_id"),
            assistantID: try row.decode(UUID.self, "assistant_id"),
            assistantVersion: try row.decode(Int.self, "assistant_version"),
            rating: try row.decode(Int.self, "rating"),
            comment: try row.decode(String?.self, "comment"),
            actorType: Feedback.ActorKind(rawValue: try row.decode(String.self, "actor_type")) ?? .system,
            actorID: try row.decode(String.self, "actor_id"),
            metadata: try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:],
            apiKeyID: try row.decode(UUID?.self, "api_key_id"),
            isCurrent: try row.decode(Bool.self, "is_current"),
            supersededAt: try row.decode(Date?.self, "superseded_at"),
            createdAt: try row.decode(Date.self, "created_at"))
    }
}
