import Foundation
import HTTP
import Ingestion

/// `/api/v1/conversations/…`: conversations, their append-only messages with grounded replies,
/// feedback, and the transcript export.
enum ConversationRoutes {
    /// The query parameters of the conversation routes, besides the page and `created_after`/`created_before`.
    enum Query {
        static let assistantID = Field("assistant_id", .uuid)
        static let sessionID = Field("session_id", .uuid)
        static let visitorID = Field("visitor_id", .uuid)
        static let status = Field("status", .choice(Conversation.Status.allCases.map(\.rawValue)))
        static let needsHuman = Field("needs_human", .boolean)
        static let apiKeyID = Field("api_key_id", .uuid)
        /// The filters of the conversation list.
        static let filters = [assistantID, sessionID, visitorID, status, needsHuman, apiKeyID]

        /// The cursor of the message list: the id of the last message seen.
        static let after = Field("after", .uuid)
        /// Whether the feedback list holds replaced ratings too.
        static let history = Field("history", .boolean)
    }

    enum Headers {
        /// A retried post with the same key answers the first post's messages instead of posting twice.
        static let idempotencyKey = Field("Idempotency-Key", .string(minLength: 1, maxLength: MessageStore.maximumIdempotencyKeyLength))
    }

    static func register(
        on router: inout Router<AppContext>, knowledge: KnowledgeConfiguration, indexes: KnowledgeIndexCache, replyModel: (any ChatModel)?
    ) {
        router.post("/api/v1/conversations/") { request, context in
            var input = try ConversationInput(try request.jsonObjectBody())
            try context.bind(assistant: &input.assistantID, session: &input.sessionID)
            return try Response.json(try store(context).create(input, by: context.principal?.keyID), status: .created)
        }
        router.get("/api/v1/conversations/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let filter = ConversationStore.Filter(
                assistantID: query.uuid(Query.assistantID), sessionID: query.uuid(Query.sessionID), visitorID: query.uuid(Query.visitorID),
                status: query.choice(Query.status, Conversation.Status.self), needsHuman: query.bool(Query.needsHuman),
                createdAfter: query.timestamp(ListQuery.createdAfter), createdBefore: query.timestamp(ListQuery.createdBefore),
                createdByAPIKeyID: query.uuid(Query.apiKeyID))
            try query.finish()
            let found = try store(context).list(filter, page)
            return try Response.json(Page(items: found.items, count: found.count))
        }
        router.get("/api/v1/conversations/:conversation_id") { _, context in
            try Response.json(try conversation(context))
        }
        router.post("/api/v1/conversations/:conversation_id/close") { request, context in
            let id = try conversationID(context)
            let reason = try optionalReason(request, ReasonInput.close)
            return try Response.json(try store(context).close(id, reason: reason))
        }
        router.post("/api/v1/conversations/:conversation_id/handoff") { request, context in
            let id = try conversationID(context)
            let reason = try optionalReason(request, ReasonInput.handoff) ?? ""
            return try Response.json(try store(context).handOff(id, reason: reason, by: context.principal?.keyID))
        }

        router.get("/api/v1/conversations/:conversation_id/messages") { request, context in
            let conversation = try conversation(context)
            var query = QueryReader(request)
            let after = query.uuid(Query.after)
            let limit = query.pageLimit()
            try query.finish()
            let page = try messages(context).list(conversation.id, after: after, limit: limit)
            return try Response.json(
                MessagePage(
                    items: page.items, count: conversation.messageCount,
                    nextAfter: page.hasMore ? page.items.last?.id : nil))
        }
        router.post("/api/v1/conversations/:conversation_id/messages") { request, context in
            let id = try conversationID(context)
            let key = try idempotencyKey(request)
            let input = try MessageInput(try request.jsonObjectBody())
            let db = try context.organizationDatabase()
            let composer = ReplyComposer(
                db: db, enricher: knowledge.enricher, indexes: indexes, thresholds: knowledge.replyThresholds, model: replyModel,
                logger: context.logger)
            let messages = MessageStore(db: db)
            let posted = try messages.post(input, to: id, idempotencyKey: key, by: context.principal?.keyID) { conversation, message in
                guard
                    let assistant = try AssistantStore(db)
                        .find(conversation.assistantID)
                else { return nil }
                let configuration = assistant.configuration
                let persona = ReplyComposer.Persona(
                    name: configuration.name, description: configuration.description,
                    tone: configuration.tone, language: configuration.language, task: conversation.task)
                let scope = KnowledgeScope(assistantID: assistant.id, mode: KnowledgeScope.Mode(rawValue: assistant.knowledgeMode) ?? .all)
                let history = try messages.history(conversation.id, before: message.position, count: ReplyComposer.historyMessages)
                return (try composer.reply(to: message.content, persona: persona, scope: scope, history: history), assistant.liveVersion)
            }
            var response = try Response.json(PostedMessage(message: posted.message, reply: posted.reply), status: .created)
            if posted.replayed { response.headers.set("Idempotent-Replayed", "true") }
            return response
        }

        router.get("/api/v1/conversations/:conversation_id/feedback") { request, context in
            let conversation = try conversation(context)
            var query = QueryReader(request)
            let history = query.bool(Query.history) ?? false
            try query.finish()
            let items = try FeedbackStore(db: try context.organizationDatabase()).list(conversation.id, history: history)
            return try Response.json(Page(items: items, count: items.count))
        }
        router.post("/api/v1/conversations/:conversation_id/feedback") { request, context in
            let id = try conversationID(context)
            let input = try FeedbackInput(try request.jsonObjectBody())
            let rated = try FeedbackStore(db: try context.organizationDatabase()).rate(id, input, by: context.principal?.keyID)
            return try Response.json(rated.feedback, status: rated.replaced ? .ok : .created)
        }

        router.get("/api/v1/conversations/:conversation_id/transcript") { _, context in
            let conversation = try conversation(context)
            let db = try context.organizationDatabase()
            let session = try SessionStore(db: db).find(conversation.sessionID)
            let version = try AssistantStore(db)
                .version(of: conversation.assistantID, number: conversation.assistantVersion)
            return try Response.json(
                Transcript(
                    conversation: conversation,
                    assistant: .init(
                        id: conversation.assistantID, version: conversation.assistantVersion, name: version?.configuration.name),
                    session: session.map {
                        .init(id: $0.id, channel: $0.channel, authenticated: $0.authenticated, visitorID: $0.visitorID)
                    },
                    messages: try MessageStore(db: db).all(conversation.id),
                    feedback: try FeedbackStore(db: db).list(conversation.id, history: true)))
        }
    }

    private static func store(_ context: AppContext) throws -> ConversationStore {
        ConversationStore(db: try context.organizationDatabase())
    }

    private static func messages(_ context: AppContext) throws -> MessageStore {
        MessageStore(db: try context.organizationDatabase())
    }

    /// The conversation's id; for a key or token bound to an assistant or session, only when the
    /// conversation is within that binding (else `404`, as for another organization's).
    private static func conversationID(_ context: AppContext) throws -> UUID {
        let id = try parsedID(context)
        if let principal = context.principal, principal.assistantID != nil || principal.sessionID != nil {
            _ = try conversation(context, id)
        }
        return id
    }

    private static func parsedID(_ context: AppContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("conversation_id")) else { throw Conversation.notFound }
        return id
    }

    /// The conversation, read once, within the caller's binding.
    private static func conversation(_ context: AppContext) throws -> Conversation {
        try conversation(context, try parsedID(context))
    }

    private static func conversation(_ context: AppContext, _ id: UUID) throws -> Conversation {
        guard let found = try store(context).find(id),
            context.principal?.reaches(assistant: found.assistantID, session: found.sessionID) ?? false
        else { throw Conversation.notFound }
        return found
    }

    /// `{"reason": "…"}`; the body may be left out when the reason is optional.
    private static func optionalReason(_ request: Request, _ field: Field) throws -> String? {
        guard field.required || !request.body.isEmpty else { return nil }
        var reader = try request.jsonObjectBody()
        let reason = reader.string(field)
        try reader.finish()
        return reason
    }

    /// The `Idempotency-Key` header of a posted message, as declared: 1 to 200 visible ASCII characters.
    static func idempotencyKey(_ request: Request) throws -> String? {
        let field = Headers.idempotencyKey
        guard let key = request.headers[field.name] else { return nil }
        let lengths = field.kind.lengths!
        guard lengths.contains(key.unicodeScalars.count), key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw ValidationError([
                FieldError(
                    loc: [.key("header"), .key(field.name)],
                    msg: "Value error, \(lengths.lowerBound) to \(lengths.upperBound) visible ASCII characters", type: "value_error")
            ])
        }
        return key
    }
}

/// `{"message": …, "reply": …}`, with `"reply": null` when the assistant does not answer.
private struct PostedMessage: Encodable {
    var message: Message
    var reply: Message?
}

/// A page of messages with the cursor of the next one: `?after=next_after`.
private struct MessagePage: Encodable {
    var items: [Message]
    var count: Int
    var nextAfter: UUID?
}

/// The whole conversation in one document: who answered, where, every message and every rating.
private struct Transcript: Encodable {
    struct AssistantSummary: Encodable {
        var id: UUID
        var version: Int
        /// The version's name; `nil` once the assistant was deleted.
        var name: String?
    }

    struct SessionSummary: Encodable {
        var id: UUID
        var channel: String
        var authenticated: Bool
        var visitorID: UUID
    }

    var conversation: Conversation
    var assistant: AssistantSummary
    var session: SessionSummary?
    var messages: [Message]
    var feedback: [Feedback]
}
