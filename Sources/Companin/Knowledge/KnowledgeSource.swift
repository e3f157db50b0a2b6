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

/// A file as the API shows it.
struct FileView: Encodable {
    let source: KnowledgeSource

    enum CodingKeys: String, CodingKey {
        case id, kind, title, status, error, filename
        case contentKind = "content_kind"
        case mediaType = "media_type"
        case sizeBytes = "size_bytes"
        case sha256
        case attributes, metadata, summary, keywords
        case chunkCount = "chunk_count"
        case progress
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case queuedAt = "queued_at"
        case processingStartedAt = "processing_started_at"
        case readyAt = "ready_at"
        case failedAt = "failed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source.id, forKey: .id)
        try container.encode(source.kind, forKey: .kind)
        try container.encode(source.title, forKey: .title)
        try container.encode(source.status, forKey: .status)
        try container.encode(source.error, forKey: .error)
        try container.encode(source.filename, forKey: .filename)
        try container.encode(source.contentKind, forKey: .contentKind)
        try container.encode(source.mediaType, forKey: .mediaType)
        try container.encode(source.sizeBytes, forKey: .sizeBytes)
        try container.encode(source.sha256, forKey: .sha256)
        try container.encode(source.attributes, forKey: .attributes)
        try container.encode(source.metadata, forKey: .metadata)
        try source.encodeEnrichment(
            into: &container, summary: .summary, keywords: .keywords, chunkCount: .chunkCount,
            progress: .progress)
        try source.encodeTimes(
            into: &container, created: .createdAt, updated: .updatedAt, queued: .queuedAt,
            processing: .processingStartedAt, ready: .readyAt, failed: .failedAt)
    }
}

/// A URL source as the API shows it.
struct URLView: Encodable {
    let source: KnowledgeSource

    enum CodingKeys: String, CodingKey {
        case id, kind, url, title, status, error
        case finalURL = "final_url"
        case httpStatus = "http_status"
        case contentType = "content_type"
        case fetchedAt = "fetched_at"
        case description, language, text, metadata
        case refreshInterval = "refresh_interval"
        case nextRefreshAt = "next_refresh_at"
        case summary, keywords
        case chunkCount = "chunk_count"
        case progress
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case queuedAt = "queued_at"
        case processingStartedAt = "processing_started_at"
        case readyAt = "ready_at"
        case failedAt = "failed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source.id, forKey: .id)
        try container.encode(source.kind, forKey: .kind)
        try container.encode(source.url ?? "", forKey: .url)
        try container.encode(source.title, forKey: .title)
        try container.encode(source.status, forKey: .status)
        try container.encode(source.error, forKey: .error)
        try container.encode(source.finalURL, forKey: .finalURL)
        try container.encode(source.httpStatus, forKey: .httpStatus)
        try container.encode(source.mediaType, forKey: .contentType)
        try container.encode(source.fetchedAt, forKey: .fetchedAt)
        try container.encode(source.description, forKey: .description)
        try container.encode(source.language, forKey: .language)
        try container.encode(source.extractedText, forKey: .text)
        try container.encode(source.metadata, forKey: .metadata)
        try container.encode(source.refreshIntervalSeconds, forKey: .refreshInterval)
        try container.encode(source.nextRefreshAt, forKey: .nextRefreshAt)
        try source.encodeEnrichment(
            into: &container, summary: .summary, keywords: .keywords, chunkCount: .chunkCount,
            progress: .progress)
        try source.encodeTimes(
            into: &container, created: .createdAt, updated: .updatedAt, queued: .queuedAt,
            processing: .processingStartedAt, ready: .readyAt, failed: .failedAt)
    }
}

/// A Q&A pair as the API shows it.
struct QAView: Encodable {
    let source: KnowledgeSource

    enum CodingKeys: String, CodingKey {
        case id, kind, question, answer, tags, metadata, status, error, summary, keywords
        case chunkCount = "chunk_count"
        case progress
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case queuedAt = "queued_at"
        case processingStartedAt = "processing_started_at"
        case readyAt = "ready_at"
        case failedAt = "failed_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source.id, forKey: .id)
        try container.encode(source.kind, forKey: .kind)
        try container.encode(source.question ?? "", forKey: .question)
        try container.encode(source.answer ?? "", forKey: .answer)
        try container.encode(source.tags ?? [], forKey: .tags)
        try container.encode(source.metadata, forKey: .metadata)
        try container.encode(source.status, forKey: .status)
        try container.encode(source.error, forKey: .error)
        try source.encodeEnrichment(
            into: &container, summary: .summary, keywords: .keywords, chunkCount: .chunkCount,
            progress: .progress)
        try source.encodeTimes(
            into: &container, created: .createdAt, updated: .updatedAt, queued: .queuedAt,
            processing: .processingStartedAt, ready: .readyAt, failed: .failedAt)
    }
}

extension KnowledgeSource {
    func encodeEnrichment<Key: CodingKey>(
        into container: inout KeyedEncodingContainer<Key>, summary: Key, keywords: Key, chunkCount: Key,
        progress: Key
    ) throws {
        try container.encode(self.summary, forKey: summary)
        try container.encode(self.keywords, forKey: keywords)
        try container.encode(self.chunkCount, forKey: chunkCount)
        try container.encode(self.progress, forKey: progress)
    }

    func encodeTimes<Key: CodingKey>(
        into container: inout KeyedEncodingContainer<Key>, created: Key, updated: Key, queued: Key,
        processing: Key, ready: Key, failed: Key
    ) throws {
        try container.encode(createdAt, forKey: created)
        try container.encode(updatedAt, forKey: updated)
        try container.encode(queuedAt, forKey: queued)
        try container.encode(processingStartedAt, forKey: processing)
        try container.encode(readyAt, forKey: ready)
        try container.encode(failedAt, forKey: failed)
    }
}
