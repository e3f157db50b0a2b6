import Foundation
import HTTP
import MariaDB

/// Feedback in MariaDB, scoped by the caller's organization. Each rater has one current rating per
/// conversation or message: rating again supersedes the earlier row, which stays as history.
struct FeedbackStore {
    let db: ScopedConnection

    /// Stores a rating; `replaced` when it superseded the same rater's earlier rating of the same target.
    func rate(_ conversationID: UUID, _ input: FeedbackInput, by apiKeyID: UUID?) throws -> (feedback: Feedback, replaced: Bool) {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            let conversations = ConversationStore(db: db)
            // The conversation's lock orders concurrent ratings by the same rater.
            guard let conversation = try conversations.find(conversationID, lock: true) else { throw Conversation.notFound }
            var version = conversation.assistantVersion
            if let messageID = input.messageID {
                guard
                    let message = try MessageStore(db: db).find(messageID, in: conversationID)
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
                try db.execute(
                    """
                    UPDATE feedback SET is_current = FALSE, superseded_at = \(now)
                    WHERE \(db.condition) AND conversation_id = \(conversationID) AND message_id <=> \(input.messageID)
                        AND actor_type = \(input.actorType.rawValue) AND actor_id = \(actorID) AND is_current
                    """
                ).affectedRows > 0
            let feedback = Feedback(
                id: UUID(), conversationID: conversationID, messageID: input.messageID, assistantID: conversation.assistantID,
                assistantVersion: version, rating: input.rating, comment: input.comment, actorType: input.actorType, actorID: actorID,
                metadata: input.metadata, apiKeyID: apiKeyID, isCurrent: true, supersededAt: nil, createdAt: now)
            try db.insert(FeedbackRow(feedback))
            return (feedback, replaced)
        }
    }

    /// The conversation's ratings, oldest first: the current ones, or with `history` every one ever given.
    func list(_ conversationID: UUID, history: Bool) throws -> [Feedback] {
        let current: SQL = history ? "" : "AND is_current"
        return try db.all(FeedbackRow.self, where: "conversation_id = \(conversationID) \(current)", orderBy: "created_at, id")
            .map(\.feedback)
    }
}

/// A row of `feedback`: a rating with its rater in two columns.
struct FeedbackRow: DatabaseRecord, Equatable {
    static let databaseTable = "feedback"
    static let databaseColumns = [
        "id", "conversation_id", "message_id", "assistant_id", "assistant_version", "rating", "comment", "actor_type", "actor_id",
        "metadata", "api_key_id", "is_current", "superseded_at", "created_at",
    ]

    var id: UUID
    var conversationID: UUID
    var messageID: UUID?
    var assistantID: UUID
    var assistantVersion: Int
    var rating: Int
    var comment: String?
    var actorType: Feedback.ActorKind
    var actorID: String
    var metadata: [String: JSONValue]
    var apiKeyID: UUID?
    var isCurrent: Bool
    var supersededAt: Date?
    var createdAt: Date

    init(_ feedback: Feedback) {
        id = feedback.id
        conversationID = feedback.conversationID
        messageID = feedback.messageID
        assistantID = feedback.assistantID
        assistantVersion = feedback.assistantVersion
        rating = feedback.rating
        comment = feedback.comment
        actorType = feedback.actorType
        actorID = feedback.actorID
        metadata = feedback.metadata
        apiKeyID = feedback.apiKeyID
        isCurrent = feedback.isCurrent
        supersededAt = feedback.supersededAt
        createdAt = feedback.createdAt
    }

    var feedback: Feedback {
        Feedback(
            id: id, conversationID: conversationID, messageID: messageID, assistantID: assistantID,
            assistantVersion: assistantVersion, rating: rating, comment: comment, actorType: actorType, actorID: actorID,
            metadata: metadata, apiKeyID: apiKeyID, isCurrent: isCurrent, supersededAt: supersededAt, createdAt: createdAt)
    }
}
