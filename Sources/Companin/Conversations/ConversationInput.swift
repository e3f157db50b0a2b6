import Foundation
import HTTP

/// `POST /api/v1/conversations/`: `{assistant_id, session_id, metadata?, task?: {name, variables?}}`.
struct ConversationInput {
    var assistantID: UUID?
    var sessionID: UUID?
    var metadata: [String: JSONValue]?
    var taskName: String?
    var taskVariables: [String: JSONValue] = [:]

    static let fields = FieldSet([Fields.assistantID, Fields.sessionID, Fields.metadata, Fields.task])
    static let taskFields = FieldSet([Fields.taskName, TemplateRenderInput.variables])

    enum Fields {
        static let assistantID = Field("assistant_id", .uuid, required: true, "The assistant that answers; its live version is used")
        static let sessionID = Field("session_id", .uuid, required: true, "The visitor's session")
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
        static let task = Field("task", .fields(taskFields), "A task template of the assistant, with its variables")
        static let taskName = Field("name", TaskTemplate.Fields.name.kind, required: true, "The template's name")
    }

    init(_ reader: FieldReader) throws {
        var reader = reader
        assistantID = reader.uuid(Fields.assistantID)
        sessionID = reader.uuid(Fields.sessionID)
        metadata = reader.object(Fields.metadata)
        let task = reader.nested(Fields.task) { task -> (String, [String: JSONValue])? in
            let name = task.string(Fields.taskName)
            let variables = task.object(TemplateRenderInput.variables) ?? [:]
            return name.map { ($0, variables) }
        }
        taskName = task?.0
        taskVariables = task?.1 ?? [:]
        try reader.finish()
    }
}

/// `POST …/messages`: `{role: "user" | "agent" | "system", content, metadata?, actor_id?}`. A user
/// message's author is the session's visitor; an agent or system message may name its author.
struct MessageInput: Equatable {
    var role: Message.Role = .user
    var content = ""
    var metadata: [String: JSONValue] = [:]
    var actorID: String?

    static let maximumContentLength = 20_000

    static let fields = FieldSet([Fields.role, Fields.content, Fields.metadata, Fields.actorID])

    enum Fields {
        static let role = Field(
            "role", .choice([Message.Role.user, .agent, .system].map(\.rawValue)), required: true,
            "user: the visitor (the assistant replies); agent: a human agent; system: a note")
        static let content = Field("content", .string(minLength: 1, maxLength: maximumContentLength), required: true, "Not blank")
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
        static let actorID = Field(
            "actor_id", .string(minLength: 1, maxLength: 255), "Who wrote an agent or system message; not on a user message")
    }

    init(_ reader: FieldReader) throws {
        var reader = reader
        if let text = reader.choice(Fields.role), let value = Message.Role(rawValue: text) {
            role = value
        }
        if let text = reader.string(Fields.content) {
            if text.allSatisfy(\.isWhitespace) {
                reader.fail("content", "String should not be blank", type: "string_blank")
            }
            content = text
        }
        metadata = reader.object(Fields.metadata) ?? [:]
        actorID = reader.string(Fields.actorID)
        if actorID != nil, role == .user {
            reader.fail("actor_id", "Value error, a user message is written by the session's visitor", type: "value_error")
        }
        try reader.finish()
    }

    /// What an `Idempotency-Key` promises to repeat: the same key with another request is refused.
    var fingerprint: String {
        JSONValue.object([
            "role": .string(role.rawValue), "content": .string(content), "metadata": .object(metadata),
            "actor_id": actorID.map(JSONValue.string) ?? .null,
        ]).serialized
    }
}

/// `POST …/feedback`: `{rating, comment?, message_id?, actor: {type, id?}, metadata?}`.
struct FeedbackInput {
    var rating = 0
    var comment: String?
    var messageID: UUID?
    var actorType: Feedback.ActorKind = .visitor
    var actorID: String?
    var metadata: [String: JSONValue] = [:]

    static let fields = FieldSet([Fields.rating, Fields.comment, Fields.messageID, Fields.actor, Fields.metadata])
    static let actorFields = FieldSet([Fields.actorType, Fields.actorID])

    enum Fields {
        static let rating = Field("rating", .integer(minimum: 1, maximum: 5), required: true, "1 (bad) to 5 (good)")
        static let comment = Field("comment", .string(minLength: 1, maxLength: 5_000))
        static let messageID = Field("message_id", .uuid, "The message rated; the whole conversation when left out")
        static let actor = Field("actor", .fields(actorFields), required: true, "Who rates; one current rating per actor and target")
        static let actorType = Field("type", .choice(Feedback.ActorKind.allCases.map(\.rawValue)), required: true)
        static let actorID = Field("id", .string(minLength: 1, maxLength: 255))
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
    }

    init(_ reader: FieldReader) throws {
        var reader = reader
        rating = Int(reader.int(Fields.rating) ?? 0)
        comment = reader.string(Fields.comment)
        messageID = reader.uuid(Fields.messageID)
        let actor = reader.nested(Fields.actor) { actor -> (Feedback.ActorKind, String?)? in
            let kind = actor.choice(Fields.actorType).flatMap(Feedback.ActorKind.init(rawValue:))
            let id = actor.string(Fields.actorID)
            return kind.map { ($0, id) }
        }
        if let actor {
            actorType = actor.0
            actorID = actor.1
        }
        metadata = reader.object(Fields.metadata) ?? [:]
        try reader.finish()
    }
}

/// `POST …/close` (an optional body) and `POST …/handoff`: `{reason}`.
enum ReasonInput {
    static let close = Field("reason", .string(minLength: 1, maxLength: 200), "Why the conversation was closed")
    static let handoff = Field("reason", .string(minLength: 1, maxLength: 500), required: true, "Why a human should take over")
}
