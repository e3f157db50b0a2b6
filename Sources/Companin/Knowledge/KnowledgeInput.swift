import Foundation
import HTTP

// The bodies of the knowledge routes, declared once: the routes read them, the contract documents them.

extension QAInput {
    /// The fields of a new pair (alone, in a list, or a CSV row); a change takes them all as optional.
    static let fields = FieldSet([Fields.question, Fields.answer, Fields.tags, Fields.metadata, Fields.gapID])
    /// A change takes no gap: a pair answers a gap when it is written.
    static let updateFields = FieldSet([Fields.question, Fields.answer, Fields.tags, Fields.metadata])
    static let maximumTagLength = 50

    enum Fields {
        static let question = Field("question", .string(minLength: 1, maxLength: 2_000), required: true)
        static let answer = Field("answer", .string(minLength: 1, maxLength: 20_000), required: true)
        static let tags = Field(
            "tags", .list(of: .string(minLength: 1, maxLength: maximumTagLength), maxItems: 20), "Labels to filter pairs by (?tag=)")
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
        static let gapID = Field(
            "gap_id", .uuid,
            "A knowledge gap (/analytics/gaps/) this pair answers: it is linked to the gap's assistants and the gap is marked answered")
    }
}

/// `POST /api/v1/knowledge/urls/`: `{url, title?, metadata?, refresh_interval?}`.
struct URLInput {
    var url: String?
    var title: String?
    var metadata: [String: JSONValue]?
    var refreshInterval: Int64?

    init(_ reader: FieldReader) throws {
        var reader = reader
        url = reader.string(Self.url)
        title = reader.string(Self.title)
        metadata = reader.object(Self.metadata)
        refreshInterval = reader.int(Self.refreshInterval)
        try reader.finish()
    }

    static let fields = FieldSet([url, title, metadata, refreshInterval])
    /// What the `url` and `title` columns hold.
    static let maximumURLLength = 2_048
    static let maximumTitleLength = 300

    static let url = Field(
        "url", .string(minLength: 1, maxLength: maximumURLLength), required: true,
        "An http or https URL; refused when it resolves to a private, loopback or metadata address")
    static let title = Field("title", .string(minLength: 1, maxLength: maximumTitleLength), "The page's own title when left out")
    static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
    static let refreshInterval = Field(
        "refresh_interval", .integer(minimum: URLRoutes.minimumRefreshInterval, maximum: 31_536_000),
        "Fetch the URL again every this many seconds")
}

/// `POST /api/v1/knowledge/search`: `{query, assistant_id?, kinds?, top_k?}`.
struct SearchInput {
    var query: String?
    var topK = 5
    /// Looked up by the route: an id that is not a UUID names no assistant (`404`, as for an unknown one).
    var assistantID: String?
    var kinds: [KnowledgeSource.Kind]?

    init(_ reader: FieldReader) throws {
        var reader = reader
        query = reader.string(Self.query)
        topK = Int(reader.int(Self.topK) ?? 5)
        assistantID = reader.string(Self.assistantID.name, maxLength: 36)
        kinds = reader.strings(Self.kinds)?.compactMap(KnowledgeSource.Kind.init(rawValue:))
        try reader.finish()
    }

    static let fields = FieldSet([query, assistantID, kinds, topK])

    static let query = Field("query", .string(minLength: 1, maxLength: 1_000), required: true)
    static let assistantID = Field("assistant_id", .uuid, "Only the sources this assistant sees")
    static let kinds = Field("kinds", .list(of: .choice(["file", "qa", "url"])), "Only sources of these kinds")
    static let topK = Field("top_k", .integer(minimum: 1, maximum: 50), "How many chunks; 5 by default")
}

/// `POST /api/v1/knowledge/reembed`: `{source_ids?, assistant_id?}`.
struct ReembedInput {
    var sourceIDs: [UUID]?
    /// Looked up by the route, as for a search.
    var assistantID: String?

    init(_ reader: FieldReader) throws {
        var reader = reader
        sourceIDs = reader.strings(Self.sourceIDs)?.compactMap(UUID.init(uuidString:))
        assistantID = reader.string(SearchInput.assistantID.name, maxLength: 36)
        try reader.finish()
    }

    static let fields = FieldSet([sourceIDs, SearchInput.assistantID])

    static let sourceIDs = Field(
        "source_ids", .list(of: .uuid, minItems: 1, maxItems: 10_000),
        "These sources; every source of the assistant, or of the organization, when left out")
}

/// `PUT /api/v1/assistants/:assistant_id/knowledge/:source_id`: `{mode}`.
struct KnowledgeLinkInput {
    var mode: String?

    init(_ reader: FieldReader) throws {
        var reader = reader
        mode = reader.choice(Self.mode)
        try reader.finish()
    }

    static let fields = FieldSet([mode])
    static let mode = Field(
        "mode", .choice(["include", "exclude"]), required: true,
        "include: the assistant sees the source (in linked mode); exclude: it does not (in all mode)")
}
