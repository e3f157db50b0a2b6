import Foundation
import HTTP
import MariaDB

/// Conversations in MariaDB, scoped by the caller's organization in every statement. A
/// conversation is opened, and messages are added to it, under its session's row lock and then its
/// own, always in that order.
struct ConversationStore {
    let db: ScopedConnection

    struct Filter {
        var assistantID: UUID?
        var sessionID: UUID?
        var visitorID: UUID?
        var status: Conversation.Status?
        var needsHuman: Bool?
        var createdAfter: Date?
        var createdBefore: Date?
        /// The key that opened it.
        var createdByAPIKeyID: UUID?
    }

    /// The rendered task a conversation keeps, at most (its `TEXT` column holds 65,535 bytes).
    static let maximumTaskBytes = 60_000

    var sessions: SessionStore { SessionStore(db: db) }
    var assistants: AssistantStore { AssistantStore(db) }

    /// Opens a conversation: the assistant must be active (`409`), the session open (`410`). It
    /// records the assistant's live version; opening it is activity on the session.
    func create(_ input: ConversationInput, by apiKeyID: UUID?) throws -> Conversation {
        guard let assistantID = input.assistantID, let sessionID = input.sessionID else { throw HTTPError(.internalServerError) }
        return try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard let assistant = try assistants.find(assistantID) else { throw HTTPError(.notFound, detail: "Assistant not found") }
            let session = try sessions.lockOpen(sessionID, at: now)
            guard assistant.isActive else { throw HTTPError(.conflict, detail: "Assistant is not active") }
            var task: Conversation.RenderedTask?
            if let name = input.taskName {
                guard let template = assistant.configuration.taskTemplates.first(where: { $0.name == name }) else {
                    throw ValidationError([
                        FieldError(
                            loc: [.key("body"), .key("task"), .key("name")],
                            msg: "Value error, the assistant has no task template \"\(name)\"", type: "value_error")
                    ])
                }
                let rendered = try TemplateRendering.render(
                    template, variables: input.taskVariables,
                    location: [.key("body"), .key("task"), .key("variables")])
                // Variables repeated by the template can multiply its length; the column holds 64 KiB.
                guard rendered.text.utf8.count <= Self.maximumTaskBytes else {
                    throw ValidationError([
                        FieldError(
                            loc: [.key("body"), .key("task"), .key("variables")],
                            msg: "Value error, the rendered task is longer than \(Self.maximumTaskBytes) bytes", type: "value_error")
                    ])
                }
                task = Conversation.RenderedTask(name: name, text: rendered.text)
            }
            let conversation = Conversation(
                id: UUID(), assistantID: assistant.id, assistantVersion: assistant.liveVersion, sessionID: session.id, status: .open,
                needsHuman: false, task: task, metadata: input.metadata ?? [:], messageCount: 0, lastMessageAt: nil,
                handoffReason: nil, handedOffAt: nil, handedOffByAPIKeyID: nil, closedAt: nil, closeReason: nil,
                createdByAPIKeyID: apiKeyID, createdAt: now, updatedAt: now)
            try db.insert(ConversationRow(conversation))
            try sessions.recordActivity(session, at: now)
            return conversation
        }
    }

    func find(_ id: UUID, lock: Bool = false) throws -> Conversation? {
        let locking: SQL = lock ? "FOR UPDATE" : ""
        return try db.fetchOne(
            ConversationRow.self,
            "SELECT \(ConversationRow.selection()) FROM conversations WHERE \(db.condition) AND id = \(id) \(locking)"
        )?.conversation
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [Conversation], count: Int) {
        var conditions: [SQL] = []
        if let id = filter.assistantID { conditions.append("assistant_id = \(id)") }
        if let id = filter.sessionID { conditions.append("session_id = \(id)") }
        if let id = filter.visitorID {
            // Through the sessions, which follow the visitor when an anonymous one is linked.
            conditions.append(
                """
                session_id IN (SELECT s.id FROM sessions s WHERE \(db.condition("s")) AND s.visitor_id = \(sessions.visitors.canonicalID(id)))
                """)
        }
        if let status = filter.status { conditions.append("status = \(status.rawValue)") }
        if let needsHuman = filter.needsHuman { conditions.append("needs_human = \(needsHuman)") }
        if let after = filter.createdAfter { conditions.append("created_at >= \(after)") }
        if let before = filter.createdBefore { conditions.append("created_at < \(before)") }
        if let keyID = filter.createdByAPIKeyID { conditions.append("created_by_api_key_id = \(keyID)") }
        let found = try db.page(
            ConversationRow.self, where: conditions.isEmpty ? nil : .joined(conditions, separator: " AND "),
            orderBy: "created_at, id", page)
        return (found.items.map(\.conversation), found.count)
    }

    /// Closes a conversation; closing it again changes nothing.
    func close(_ id: UUID, reason: String?) throws -> Conversation {
        try modify(id) { conversation, now in
            guard conversation.status != .closed else { return false }
            conversation.status = .closed
            conversation.closedAt = now
            conversation.closeReason = reason
            return true
        }
    }

    /// Hands a conversation to a human: the assistant stops replying in it. A closed or already
    /// handed-off conversation is a `409`.
    func handOff(_ id: UUID, reason: String, by apiKeyID: UUID?) throws -> Conversation {
        try modify(id) { conversation, now in
            switch conversation.status {
            case .closed: throw Conversation.closed
            case .handedOff: throw HTTPError(.conflict, detail: "Conversation is already handed off")
            case .open: break
            }
            conversation.status = .handedOff
            conversation.handoffReason = reason
            conversation.handedOffAt = now
            conversation.handedOffByAPIKeyID = apiKeyID
            return true
        }
    }

    /// Records messages written into a conversation locked in the caller's transaction.
    func recordMessages(_ conversation: inout Conversation, count: Int, at now: Date, needsHuman: Bool = false) throws {
        conversation.messageCount += count
        conversation.lastMessageAt = now
        conversation.needsHuman = conversation.needsHuman || needsHuman
        conversation.updatedAt = now
        try write(conversation)
    }

    private func modify(_ id: UUID, _ change: (inout Conversation, Date) throws -> Bool) throws -> Conversation {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard var conversation = try find(id, lock: true) else { throw Conversation.notFound }
            guard try change(&conversation, now) else { return conversation }
            conversation.updatedAt = now
            try write(conversation)
            return conversation
        }
    }

    private func write(_ conversation: Conversation) throws {
        try db.execute(
            """
            UPDATE conversations SET status = \(conversation.status.rawValue), needs_human = \(conversation.needsHuman),
                message_count = \(conversation.messageCount), last_message_at = \(conversation.lastMessageAt),
                handoff_reason = \(conversation.handoffReason), handed_off_at = \(conversation.handedOffAt),
                handed_off_by_api_key_id = \(conversation.handedOffByAPIKeyID), closed_at = \(conversation.closedAt),
                close_reason = \(conversation.closeReason), updated_at = \(conversation.updatedAt)
            WHERE \(db.condition) AND id = \(conversation.id)
            """)
    }
}

/// A row of `conversations`: a conversation with its rendered task in two columns.
struct ConversationRow: DatabaseRecord, Equatable {
    static let databaseTable = "conversations"
    static let databaseColumns = [
        "id", "assistant_id", "assistant_version", "session_id", "status", "needs_human", "task_name", "task_text", "metadata",
        "message_count", "last_message_at", "handoff_reason", "handed_off_at", "handed_off_by_api_key_id", "closed_at",
        "close_reason", "created_by_api_key_id", "created_at", "updated_at",
    ]

    var id: UUID
    var assistantID: UUID
    var assistantVersion: Int
    var sessionID: UUID
    var status: Conversation.Status
    var needsHuman: Bool
    var taskName: String?
    var taskText: String?
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

    init(_ conversation: Conversation) {
        id = conversation.id
        assistantID = conversation.assistantID
        assistantVersion = conversation.assistantVersion
        sessionID = conversation.sessionID
        status = conversation.status
        needsHuman = conversation.needsHuman
        taskName = conversation.task?.name
        taskText = conversation.task?.text
        metadata = conversation.metadata
        messageCount = conversation.messageCount
        lastMessageAt = conversation.lastMessageAt
        handoffReason = conversation.handoffReason
        handedOffAt = conversation.handedOffAt
        handedOffByAPIKeyID = conversation.handedOffByAPIKeyID
        closedAt = conversation.closedAt
        closeReason = conversation.closeReason
        createdByAPIKeyID = conversation.createdByAPIKeyID
        createdAt = conversation.createdAt
        updatedAt = conversation.updatedAt
    }

    var conversation: Conversation {
        Conversation(
            id: id, assistantID: assistantID, assistantVersion: assistantVersion, sessionID: sessionID, status: status,
            needsHuman: needsHuman, task: taskName.map { Conversation.RenderedTask(name: $0, text: taskText ?? "") },
            metadata: metadata, messageCount: messageCount, lastMessageAt: lastMessageAt, handoffReason: handoffReason,
            handedOffAt: handedOffAt, handedOffByAPIKeyID: handedOffByAPIKeyID, closedAt: closedAt, closeReason: closeReason,
            createdByAPIKeyID: createdByAPIKeyID, createdAt: createdAt, updatedAt: updatedAt)
    }
}
