import Foundation
import HTTP
import MariaDB

/// What the ingest workers write on a source while they process it.
extension KnowledgeStore {
    func markProcessing(_ id: UUID) throws {
        let now = Date.now.truncatedToMicroseconds
        try db.execute(
            """
            UPDATE knowledge_sources SET status = 'processing', processing_started_at = \(now), updated_at = \(now)
            WHERE \(db.condition) AND id = \(id)
            """)
    }

    /// Marks a source failed with a reason operators can act on.
    func markFailed(_ id: UUID, code: String, message: String) throws {
        let now = Date.now.truncatedToMicroseconds
        try db.execute(
            """
            UPDATE knowledge_sources SET status = 'failed', error_code = \(code.prefix(codePoints: 50)),
                error_message = \(message.prefix(codePoints: 1000)), failed_at = \(now), updated_at = \(now)
            WHERE \(db.condition) AND id = \(id)
            """)
    }

    /// Marks a source ready again without new content (a refreshed page that did not change).
    func markReady(_ id: UUID, at now: Date) throws {
        try db.execute(
            """
            UPDATE knowledge_sources SET status = 'ready', error_code = NULL, error_message = NULL, ready_at = \(now),
                updated_at = \(now)
            WHERE \(db.condition) AND id = \(id)
            """)
    }

    /// Marks a source ready with what its new content gave.
    func markReady(
        _ id: UUID, title: String, attributes: [String: JSONValue], summary: String, keywords: [String], chunkCount: Int,
        at now: Date
    ) throws {
        try db.execute(
            """
            UPDATE knowledge_sources SET status = 'ready', error_code = NULL, error_message = NULL, title = \(title),
                attributes = \(JSONValue.object(attributes).serialized), summary = \(summary),
                keywords = \(JSONValue.array(keywords.map(JSONValue.string)).serialized), chunk_count = \(chunkCount),
                ready_at = \(now), updated_at = \(now)
            WHERE \(db.condition) AND id = \(id)
            """)
    }

    /// Records how many of a job's chunks are embedded so far.
    func recordProgress(_ id: UUID, done: Int, of total: Int) throws {
        try db.execute(
            """
            UPDATE knowledge_sources SET chunks_embedded = \(done), chunks_to_embed = \(total) WHERE \(db.condition) AND id = \(id)
            """)
    }

    /// Takes the source's row lock, first in a transaction that changes its chunks. Changes to
    /// chunks and to a source's status move the organization's `knowledge_versions` row
    /// (triggers); the API changes a source row and then that counter, so a worker must take the
    /// two in the same order or the two transactions deadlock.
    func lock(_ id: UUID) throws {
        _ = try db.rows("SELECT id FROM knowledge_sources WHERE \(db.condition) AND id = \(id) FOR UPDATE")
    }

    /// Records a fetch on a URL source; `text` is the newly extracted text and `details` what the
    /// extractor found (description, language), both `nil` when the page is unchanged.
    func recordFetch(_ page: FetchedPage, text: String?, details: [String: JSONValue]? = nil, for source: KnowledgeSource) throws {
        let next = source.refreshIntervalSeconds.map { page.fetchedAt.addingTimeInterval(Double($0)) }
        var assignments: [SQL] = [
            "final_url = \(page.finalURL)", "http_status = \(page.status)", "media_type = \(page.mediaType)", "etag = \(page.etag)",
            "last_modified = \(page.lastModified)", "fetched_at = \(page.fetchedAt)", "next_refresh_at = \(next)",
        ]
        if let text {
            assignments += [
                "extracted_text = \(text)", "text_sha256 = \(BlobStore.sha256(Array(text.utf8)))",
                "description = \(details?["description"]?.stringValue)",
                "language = \((details?["language"]?.stringValue).map { $0.prefix(codePoints: 35) })",
            ]
        }
        try db.execute(
            "UPDATE knowledge_sources SET \(SQL.joined(assignments, separator: ", ")) WHERE \(db.condition) AND id = \(source.id)")
    }

    /// A URL that failed is still tried again on its schedule: the site may come back.
    func scheduleNextRefresh(_ id: UUID) throws {
        try db.execute(
            """
            UPDATE knowledge_sources SET next_refresh_at = DATE_ADD(UTC_TIMESTAMP(6), INTERVAL refresh_interval_seconds SECOND)
            WHERE \(db.condition) AND id = \(id) AND refresh_interval_seconds IS NOT NULL
            """)
    }

    /// Queues a URL source whose scheduled refresh is due (its status stays as it is until a worker
    /// takes the job).
    func queueRefresh(_ id: UUID, at now: Date) throws {
        try db.execute(
            """
            UPDATE knowledge_sources SET next_refresh_at = NULL, queued_at = \(now), updated_at = \(now) WHERE \(db.condition) AND id = \(id)
            """)
        try enqueue(id, task: .ingest)
    }
}
