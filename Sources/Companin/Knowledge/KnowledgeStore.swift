import Foundation
import HTTP
import MariaDB

/// Knowledge sources in MariaDB, scoped by the caller's organization in every statement.
struct KnowledgeStore {
    let database: Connection
    let organizationID: UUID

    static let columns = """
        id, kind, title, status, error_code, error_message, metadata, content_kind, media_type, filename, size_bytes,
        content_sha256, blob_path, attributes, question, answer, tags, summary, keywords, chunk_count, chunks_embedded, chunks_to_embed,
        created_at, updated_at, queued_at, processing_started_at, ready_at, failed_at,
        url, final_url, http_status, etag, last_modified, fetched_at, description, language, extracted_text,
        refresh_interval_seconds, next_refresh_at
        """

    func find(_ id: UUID, kind: KnowledgeSource.Kind) throws -> KnowledgeSource? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM knowledge_sources WHERE organization_id = ? AND id = ? AND kind = ?
            """, [organizationID.databaseValue, id.databaseValue, .text(kind.rawValue)]
        ).first.map(Self.decode)
    }

    /// Any kind: for links and search results.
    func find(_ id: UUID) throws -> KnowledgeSource? {
        try database.query(
            sql: "SELECT \(Self.columns) FROM knowledge_sources WHERE organization_id = ? AND id = ?",
            [organizationID.databaseValue, id.databaseValue]
        ).first.map(Self.decode)
    }

    func findFile(sha256: [UInt8]) throws -> KnowledgeSource? {
        try database.query(
            sql: """
            SELECT \(Self.columns) FROM knowledge_sources WHERE organization_id = ? AND kind = 'file' AND content_sha256 = ?
            """, [organizationID.databaseValue, .blob(sha256)]
        ).first.map(Self.decode)
    }

    func list(kind: KnowledgeSource.Kind, status: KnowledgeSource.Status?, tag: String? = nil, _ page: Pagination) throws
        -> (items: [KnowledgeSource], count: Int)
    {
        var condition = SQLFilter("organization_id = ? AND kind = ?", [organizationID.databaseValue, .text(kind.rawValue)])
        condition.add("status = ?", ifPresent: status?.rawValue)
        condition.add("JSON_CONTAINS(tags, JSON_QUOTE(?))", ifPresent: tag)
        return try database.page(
            Self.columns, from: "knowledge_sources", where: condition, orderBy: "created_at, id", page, decode: Self.decode)
    }

    /// Inserts a new source. Files and URLs are queued for a worker in the same transaction.
    func insert(_ source: KnowledgeSource, sha256: [UInt8]?, queue: Bool) throws {
        try database.transaction {
            try database.execute(
                sql: """
                INSERT INTO knowledge_sources (organization_id, \(Self.columns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
                        ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [organizationID.databaseValue] + Self.values(of: source, sha256: sha256))
            if queue { try IngestionQueue(database: database).enqueue(organizationID: organizationID, sourceID: source.id, task: .ingest) }
        }
    }

    /// Writes a Q&A pair's fields; a changed question or answer makes it pending and queues it again.
    func updateQA(_ source: KnowledgeSource, requeue: Bool) throws {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            try database.execute(
                sql: """
                UPDATE knowledge_sources SET question = ?, answer = ?, title = ?, tags = ?, metadata = ?, updated_at = ?
                WHERE organization_id = ? AND id = ? AND kind = 'qa'
                """,
                [
                    source.question.databaseValue, source.answer.databaseValue, .text(source.title),
                    .text(JSONValue.array((source.tags ?? []).map(JSONValue.string)).serialized),
                    .text(JSONValue.object(source.metadata).serialized), now.databaseValue,
                    organizationID.databaseValue, source.id.databaseValue,
                ])
            if requeue { try self.requeue(source.id) }
        }
    }

    /// Marks a source pending again and queues it (reprocess).
    func requeue(_ id: UUID) throws {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            try database.execute(
                sql: """
                UPDATE knowledge_sources SET status = 'pending', error_code = NULL, error_message = NULL, queued_at = ?, updated_at = ?
                WHERE organization_id = ? AND id = ?
                """, [now.databaseValue, now.databaseValue, organizationID.databaseValue, id.databaseValue])
            try IngestionQueue(database: database).enqueue(organizationID: organizationID, sourceID: id, task: .ingest)
        }
    }

    /// Deletes a source with its chunks, jobs and links; returns it so its blob can be released.
    func delete(_ id: UUID, kind: KnowledgeSource.Kind) throws -> KnowledgeSource? {
        try database.transaction {
            guard
                let source = try database.query(
                    sql: """
                    SELECT \(Self.columns) FROM knowledge_sources WHERE organization_id = ? AND id = ? AND kind = ? FOR UPDATE
                    """, [organizationID.databaseValue, id.databaseValue, .text(kind.rawValue)]
                ).first.map(Self.decode)
            else { return nil }
            try database.execute(
                sql: "DELETE FROM knowledge_sources WHERE organization_id = ? AND id = ?",
                [organizationID.databaseValue, id.databaseValue])
            return source
        }
    }

    // MARK: Rows

    static func values(of source: KnowledgeSource, sha256: [UInt8]?) -> [DatabaseValue] {
        [
            source.id.databaseValue, .text(source.kind.rawValue), .text(source.title), .text(source.status.rawValue),
            source.error?.code.databaseValue ?? .null, source.error?.message.databaseValue ?? .null,
            .text(JSONValue.object(source.metadata).serialized), source.contentKind.databaseValue, source.mediaType.databaseValue,
            source.filename.databaseValue, source.sizeBytes.databaseValue, sha256.map { .blob($0) } ?? .null,
            source.blobPath.databaseValue, .text(JSONValue.object(source.attributes).serialized),
            source.question.databaseValue, source.answer.databaseValue,
            source.tags.map { .text(JSONValue.array($0.map(JSONValue.string)).serialized) } ?? .null,
            source.summary.databaseValue, source.keywords.map { .text(JSONValue.array($0.map(JSONValue.string)).serialized) } ?? .null,
            .int(Int64(source.chunkCount)), .int(Int64(source.progress.chunksDone)), .int(Int64(source.progress.chunksTotal)),
            source.createdAt.databaseValue, source.updatedAt.databaseValue,
            source.queuedAt.databaseValue, source.processingStartedAt.databaseValue, source.readyAt.databaseValue,
            source.failedAt.databaseValue,
            source.url.databaseValue, source.finalURL.databaseValue, source.httpStatus.databaseValue, source.etag.databaseValue,
            source.lastModified.databaseValue, source.fetchedAt.databaseValue, source.description.databaseValue,
            source.language.databaseValue, source.extractedText.databaseValue, source.refreshIntervalSeconds.databaseValue,
            source.nextRefreshAt.databaseValue,
        ]
    }

    static func decode(_ row: Row) throws -> KnowledgeSource {
        func json(_ column: String) throws -> JSONValue? {
            guard let text = try row.decode(String?.self, column) else { return nil }
            return try JSONValue.parse(Data(text.utf8))
        }
        let errorCode = try row.decode(String?.self, "error_code")
        let errorMessage = try row.decode(String?.self, "error_message")
        let sha = try row.decode([UInt8]?.self, "content_sha256")
        return try KnowledgeSource(
            id: try row.decode(UUID.self, "id"),
            kind: KnowledgeSource.Kind(rawValue: try row.decode(String.self, "kind")) ?? .file,
            title: try row.decode(String.self, "title"),
            status: KnowledgeSource.Status(rawValue: try row.decode(String.self, "status")) ?? .pending,
            error: errorCode.map { KnowledgeSource.Failure(code: $0, message: errorMessage ?? "") },
            metadata: try json("metadata")?.objectValue ?? [:],
            contentKind: try row.decode(String?.self, "content_kind"),
            mediaType: try row.decode(String?.self, "media_type"),
            filename: try row.decode(String?.self, "filename"),
            sizeBytes: try row.decode(Int?.self, "size_bytes"),
            sha256: sha.map { $0.map { String(format: "%02x", $0) }.joined() },
            blobPath: try row.decode(String?.self, "blob_path"),
            attributes: try json("attributes")?.objectValue ?? [:],
            question: try row.decode(String?.self, "question"),
            answer: try row.decode(String?.self, "answer"),
            tags: try json("tags")?.arrayValue?.compactMap(\.stringValue),
            summary: try row.decode(String?.self, "summary"),
            keywords: try json("keywords")?.arrayValue?.compactMap(\.stringValue),
            chunkCount: try row.decode(Int.self, "chunk_count"),
            progress: KnowledgeSource.Progress(
                chunksDone: try row.decode(Int.self, "chunks_embedded"),
                chunksTotal: try row.decode(Int.self, "chunks_to_embed")),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"),
            queuedAt: try row.decode(Date?.self, "queued_at"),
            processingStartedAt: try row.decode(Date?.self, "processing_started_at"),
            readyAt: try row.decode(Date?.self, "ready_at"),
            failedAt: try row.decode(Date?.self, "failed_at")
        )
        .withURLFields(row)
    }
}

extension KnowledgeSource {
    fileprivate func withURLFields(_ row: Row) throws -> KnowledgeSource {
        var source = self
        source.url = try row.decode(String?.self, "url")
        source.finalURL = try row.decode(String?.self, "final_url")
        source.httpStatus = try row.decode(Int?.self, "http_status")
        source.etag = try row.decode(String?.self, "etag")
        source.lastModified = try row.decode(String?.self, "last_modified")
        source.fetchedAt = try row.decode(Date?.self, "fetched_at")
        source.description = try row.decode(String?.self, "description")
        source.language = try row.decode(String?.self, "language")
        source.extractedText = try row.decode(String?.self, "extracted_text")
        source.refreshIntervalSeconds = try row.decode(Int?.self, "refresh_interval_seconds")
        source.nextRefreshAt = try row.decode(Date?.self, "next_refresh_at")
        return source
    }
}
