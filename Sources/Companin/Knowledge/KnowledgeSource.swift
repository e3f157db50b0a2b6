import Foundation
import HTTP
import MariaDB

/// Something an organization taught its assistants: an uploaded file, a Q&A pair, or a URL. One row
/// of `knowledge_sources`; its properties are the table's columns.
struct KnowledgeSource: Equatable, DatabaseRecord {
    enum Kind: String, Codable { case file, qa, url }
    enum Status: String, Codable, CaseIterable { case pending, processing, ready, failed }

    /// How far the current or last ingestion or re-embedding job got: chunks embedded of those to embed.
    struct Progress: Equatable, Encodable {
        var chunksDone: Int
        var chunksTotal: Int
    }

    struct Failure: Equatable, Encodable {
        var code: String
        var message: String
    }

    static let databaseTable = "knowledge_sources"
    static let databaseColumns = [
        "id", "kind", "title", "status", "error_code", "error_message", "metadata", "content_kind", "media_type", "filename",
        "size_bytes", "content_sha256", "blob_path", "attributes", "question", "answer", "tags", "url", "final_url", "http_status",
        "etag", "last_modified", "fetched_at", "description", "language", "extracted_text", "refresh_interval_seconds",
        "next_refresh_at", "summary", "keywords", "chunk_count", "chunks_embedded", "chunks_to_embed", "created_at", "updated_at",
        "queued_at", "processing_started_at", "ready_at", "failed_at",
    ]

    var id: UUID
    var kind: Kind
    var title: String
    var status: Status
    var errorCode: String? = nil
    var errorMessage: String? = nil
    var metadata: [String: JSONValue] = [:]
    var contentKind: String? = nil
    var mediaType: String? = nil
    var filename: String? = nil
    var sizeBytes: Int? = nil
    /// SHA-256 of a file's original bytes.
    var contentSHA256: [UInt8]? = nil
    var blobPath: String? = nil
    var attributes: [String: JSONValue] = [:]
    var question: String? = nil
    var answer: String? = nil
    var tags: [String]? = nil
    var url: String? = nil
    var finalURL: String? = nil
    var httpStatus: Int? = nil
    var etag: String? = nil
    var lastModified: String? = nil
    var fetchedAt: Date? = nil
    var description: String? = nil
    var language: String? = nil
    var extractedText: String? = nil
    var refreshIntervalSeconds: Int? = nil
    var nextRefreshAt: Date? = nil
    var summary: String? = nil
    var keywords: [String]? = nil
    var chunkCount = 0
    var chunksEmbedded = 0
    var chunksToEmbed = 0
    var createdAt: Date
    var updatedAt: Date
    var queuedAt: Date? = nil
    var processingStartedAt: Date? = nil
    var readyAt: Date? = nil
    var failedAt: Date? = nil

    /// Why ingestion failed, when it did.
    var error: Failure? { errorCode.map { Failure(code: $0, message: errorMessage ?? "") } }
    /// `contentSHA256` in hex, as the API shows it.
    var sha256: String? { contentSHA256.map(BlobStore.hex) }
    var progress: Progress { Progress(chunksDone: chunksEmbedded, chunksTotal: chunksToEmbed) }

    /// A new source, queued for its first ingestion at `now`.
    static func pending(kind: Kind, title: String, metadata: [String: JSONValue], at now: Date) -> KnowledgeSource {
        KnowledgeSource(
            id: UUID(), kind: kind, title: title, status: .pending, metadata: metadata, createdAt: now, updatedAt: now, queuedAt: now)
    }
}

/// What every kind of source shows about its enrichment, written inline in its view.
struct SourceEnrichmentView: FlattenedJSON {
    var summary: String?
    var keywords: [String]?
    var chunkCount: Int
    var progress: KnowledgeSource.Progress

    init(_ source: KnowledgeSource) {
        summary = source.summary
        keywords = source.keywords
        chunkCount = source.chunkCount
        progress = source.progress
    }
}

/// When a source was created, changed and went through ingestion, written inline in its view.
struct SourceTimesView: FlattenedJSON {
    var createdAt: Date
    var updatedAt: Date
    var queuedAt: Date?
    var processingStartedAt: Date?
    var readyAt: Date?
    var failedAt: Date?

    init(_ source: KnowledgeSource) {
        createdAt = source.createdAt
        updatedAt = source.updatedAt
        queuedAt = source.queuedAt
        processingStartedAt = source.processingStartedAt
        readyAt = source.readyAt
        failedAt = source.failedAt
    }
}

/// A file as the API shows it.
struct FileView: Encodable {
    var id: UUID
    var kind: KnowledgeSource.Kind
    var title: String
    var status: KnowledgeSource.Status
    var error: KnowledgeSource.Failure?
    var filename: String?
    var contentKind: String?
    var mediaType: String?
    var sizeBytes: Int?
    var sha256: String?
    var attributes: [String: JSONValue]
    var metadata: [String: JSONValue]
    var enrichment: SourceEnrichmentView
    var times: SourceTimesView

    init(source: KnowledgeSource) {
        id = source.id
        kind = source.kind
        title = source.title
        status = source.status
        error = source.error
        filename = source.filename
        contentKind = source.contentKind
        mediaType = source.mediaType
        sizeBytes = source.sizeBytes
        sha256 = source.sha256
        attributes = source.attributes
        metadata = source.metadata
        enrichment = SourceEnrichmentView(source)
        times = SourceTimesView(source)
    }
}

/// A URL source as the API shows it.
struct URLView: Encodable {
    var id: UUID
    var kind: KnowledgeSource.Kind
    var url: String
    var title: String
    var status: KnowledgeSource.Status
    var error: KnowledgeSource.Failure?
    var finalURL: String?
    var httpStatus: Int?
    var contentType: String?
    var fetchedAt: Date?
    var description: String?
    var language: String?
    var text: String?
    var metadata: [String: JSONValue]
    var refreshInterval: Int?
    var nextRefreshAt: Date?
    var enrichment: SourceEnrichmentView
    var times: SourceTimesView

    init(source: KnowledgeSource) {
        id = source.id
        kind = source.kind
        url = source.url ?? ""
        title = source.title
        status = source.status
        error = source.error
        finalURL = source.finalURL
        httpStatus = source.httpStatus
        contentType = source.mediaType
        fetchedAt = source.fetchedAt
        description = source.description
        language = source.language
        text = source.extractedText
        metadata = source.metadata
        refreshInterval = source.refreshIntervalSeconds
        nextRefreshAt = source.nextRefreshAt
        enrichment = SourceEnrichmentView(source)
        times = SourceTimesView(source)
    }
}

/// A Q&A pair as the API shows it.
struct QAView: Encodable {
    var id: UUID
    var kind: KnowledgeSource.Kind
    var question: String
    var answer: String
    var tags: [String]
    var metadata: [String: JSONValue]
    var status: KnowledgeSource.Status
    var error: KnowledgeSource.Failure?
    var enrichment: SourceEnrichmentView
    var times: SourceTimesView

    init(source: KnowledgeSource) {
        id = source.id
        kind = source.kind
        question = source.question ?? ""
        answer = source.answer ?? ""
        tags = source.tags ?? []
        metadata = source.metadata
        status = source.status
        error = source.error
        enrichment = SourceEnrichmentView(source)
        times = SourceTimesView(source)
    }
}
