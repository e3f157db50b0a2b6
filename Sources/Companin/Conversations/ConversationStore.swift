import Foundation
import HTTP
import MariaDB

/// Conversations in MariaDB, scoped by the caller's organization in every statement. A
/// conversation is opened, and messages are added to it, under its session's row lock and then its
/// own, always in that order.
struct ConversationStore {
    let database: Connection
    let organizationID: UUID

    static let columns = """
        id, assistant_id, assistant_version, session_id, status, needs_human, task_name, task_text, metadata, message_count,
        last_message_at, handoff_reason, handed_off_at, handed_off_by_api_key_id, closed_at, close_reason,
        created_by_api_key_id, created_at, updated_at
        """

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

    var sessions: SessionStore { SessionStore(db: database.organization(organizationID)) }
    var assistants: AssistantStore { AssistantStore(database: database, organizationID: organizationID) }

    /// Opens a conversation: the assistant must be active (`409`), the session open (`410`). It
    /// records the assistant's live version; opening it is activity on the session.
    func create(_ input: ConversationInput, by apiKeyID: UUID?) throws -> Conversation {
        guard let assistantID = input.assistantID, let sessionID = input.sessionID else { throw HTTPError(.internalServerError) }
        return try database.transaction {
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
            try database.execute(
                sql: """
                INSERT INTO conversations (organization_id, \(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [organizationID.databaseValue] + Self.values(of: conversation))
            try sessions.recordActivity(session, at: now)
            return conversation
        }
    }

    func find(_ id: UUID, lock: Bool = false) throws -> Conversation? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM conversations WHERE organization_id = ? AND id = ?\(lock ? " FOR UPDATE" : "")
            """, [organizationID.databaseValue, id.databaseValue]
        ).first.map(Self.decode)
    }

    func list(_ filter: Filter, _ page: Pagination) throws -> (items: [Conversation], count: Int) {
        var condition = SQLFilter("organization_id = ?", [organizationID.databaseValue])
        condition.add("assistant_id = ?", ifPresent: filter.assistantID)
        condition.add("session_id = ?", ifPresent: filter.sessionID)
        if let id = filter.visitorID {
            // Through the sessions, which follow the visitor when an anonymous one is linked.
            let visitor = sessions.visitors.canonicalID(id)
            condition.add(
                "session_id IN (SELECT s.id FROM sessions s WHERE s.organization_id = ? AND s.visitor_id = \(visitor.text))",
                [organizationID.databaseValue] + visitor.bindings)
        }
        condition.add("status = ?", ifPresent: filter.status?.rawValue)
        condition.add("needs_human = ?", ifPresent: filter.needsHuman)
        condition.add("created_at >= ?", ifPresent: filter.createdAfter)
        condition.add("created_at < ?", ifPresent: filter.createdBefore)
        condition.add("created_by_api_key_id = ?", ifPresent: filter.createdByAPIKeyID)
        return try database.page(
            Self.columns, from: "conversations", where: condition, orderBy: "created_at, id", page, decode: Self.decode)
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
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard var conversation = try find(id, lock: true) else { throw Conversation.notFound }
            guard try change(&conversation, now) else { return conversation }
            conversation.updatedAt = now
            try write(conversation)
            return conversation
        }
    }

    private func write(_ conversation: Conversation) throws {
        try database.execute(
            sql: """
            UPDATE conversations SET status = ?, needs_human = ?, message_count = ?, last_message_at = ?, handoff_reason = ?,
                handed_off_at = ?, handed_off_by_api_key_id = ?, closed_at = ?, close_reason = ?, updated_at = ?
            WHERE organization_id = ? AND id = ?
            """,
            [
                .text(conversation.status.rawValue), conversation.needsHuman.databaseValue, .int(Int64(conversation.messageCount)),
                conversation.lastMessageAt.databaseValue, conversation.handoffReason.databaseValue,
                conversation.handedOffAt.databaseValue, conversation.handedOffByAPIKeyID.databaseValue,
                conversation.closedAt.databaseValue, conversation.closeReason.databaseValue, conversation.updatedAt.databaseValue,
                organizationID.databaseValue, conversation.id.databaseValue,
            ])
    }

    // MARK: Rows

    private static func values(of conversation: Conversation) -> [DatabaseValue] {
        [
            conversation.id.databaseValue, conversation.assistantID.databaseValue, .int(Int64(conversation.assistantVersion)),
            conversation.sessionID.databaseValue, .text(conversation.status.rawValue), conversation.needsHuman.databaseValue,
            conversation.task?.name.databaseValue ?? .null, conversation.task?.text.databaseValue ?? .null,
            .text(JSONValue.object(conversation.metadata).serialized), .int(Int64(conversation.messageCount)),
            conversation.lastMessageAt.databaseValue, conversation.handoffReason.databaseValue,
            conversation.handedOffAt.databaseValue, conversation.handedOffByAPIKeyID.databaseValue,
            conversation.closedAt.databaseValue, conversation.closeReason.databaseValue,
            conversation.createdByAPIKeyID.databaseValue, conversation.createdAt.databaseValue, conversation.updatedAt.databaseValue,
        ]
    }

    static func decode(_ row: Row) throws -> Conversation {
        let taskName = try row.decode(String?.self, "task_name")
        let taskText = try row.decode(String?.self, "task_text")
        return Conversation(
            id: try row.decode(UUID.self, "id"),
            assistantID: try row.decode(UUID.self, "assistant_id"),
            assistantVersion: try row.decode(Int.self, "assistant_version"),
            sessionID: try row.decode(UUID.self, "session_id"),
            status: Conversation.Status(rawValue: try row.decode(String.self, "status")) ?? .open,
            needsHuman: try row.decode(Bool.self, "needs_human"),
            task: taskName.map { Conversation.RenderedTask(name: $0, text: taskText ?? "") },
            metadata: try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:],
            messageCount: try row.decode(Int.self, "message_count"),
            lastMessageAt: try row.decode(Date?.self, "last_message_at"),
            handoffReason: try row.decode(String?.self, "handoff_reason"),
            handedOffAt: try row.decode(Date?.self, "handed_off_at"),
            handedOffByAPIKeyID: try row.decode(UUID?.self, "handed_off_by_api_key_id"),
            closedAt: try row.decode(Date?.self, "closed_at"),
            closeReason: try row.decode(String?.self, "close_reason"),
            createdByAPIKeyID: try row.decode(UUID?.self, "created_by_api_key_id"),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
