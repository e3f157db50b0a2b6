import Foundation
import HTTP
import MariaDB

/// One organization's knowledge sources, and the ingestion jobs that queue them.
struct KnowledgeStore {
    let db: ScopedConnection

    func find(_ id: UUID, kind: KnowledgeSource.Kind) throws -> KnowledgeSource? {
        try db.find(KnowledgeSource.self, where: "id = \(id) AND kind = \(kind.rawValue)")
    }

    /// Any kind: for links and search results.
    func find(_ id: UUID) throws -> KnowledgeSource? {
        try db.find(KnowledgeSource.self, where: "id = \(id)")
    }

    func findFile(sha256: [UInt8]) throws -> KnowledgeSource? {
        try db.find(KnowledgeSource.self, where: "kind = 'file' AND content_sha256 = \(sha256)")
    }

    func list(kind: KnowledgeSource.Kind, status: KnowledgeSource.Status?, tag: String? = nil, _ page: Pagination) throws
        -> Page<KnowledgeSource>
    {
        var conditions: [SQL] = ["kind = \(kind.rawValue)"]
        if let status { conditions.append("status = \(status.rawValue)") }
        if let tag { conditions.append("JSON_CONTAINS(tags, JSON_QUOTE(\(tag)))") }
        return try db.page(KnowledgeSource.self, where: SQL.joined(conditions, separator: " AND "), orderBy: "created_at, id", page)
    }

    /// True while a source of this organization keeps its original at `blobPath`.
    func references(blobPath: String) throws -> Bool {
        try !db.rows("SELECT 1 FROM knowledge_sources WHERE \(db.condition) AND blob_path = \(blobPath) LIMIT 1").isEmpty
    }

    /// Inserts a new source. Files and URLs are queued for a worker in the same transaction.
    func insert(_ source: KnowledgeSource, queue: Bool) throws {
        try db.transaction {
            try db.insert(source)
            if queue { try enqueue(source.id, task: .ingest) }
        }
    }

    /// Writes a Q&A pair's fields; a changed question or answer makes it pending and queues it again.
    func updateQA(_ source: KnowledgeSource, requeue: Bool) throws {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            try db.execute(
                """
                UPDATE knowledge_sources SET question = \(source.question), answer = \(source.answer), title = \(source.title),
                    tags = \(JSONValue.array((source.tags ?? []).map(JSONValue.string)).serialized),
                    metadata = \(JSONValue.object(source.metadata).serialized), updated_at = \(now)
                WHERE \(db.condition) AND id = \(source.id) AND kind = 'qa'
                """)
            if requeue { try self.requeue(source.id) }
        }
    }

    /// Marks a source pending again and queues it (reprocess), unless a job for it is already
    /// waiting for a worker: a refresh or reprocess asked again and again costs one job.
    func requeue(_ id: UUID) throws {
        try db.transaction {
            let now = Date.now.truncatedToMicroseconds
            // The update locks the source's row first, so a concurrent request for the same
            // source reads the job queued here once this transaction commits.
            try db.execute(
                """
                UPDATE knowledge_sources SET status = 'pending', error_code = NULL, error_message = NULL, queued_at = \(now),
                    updated_at = \(now)
                WHERE \(db.condition) AND id = \(id)
                """)
            let waiting = try db.fetchOne(
                Int.self,
                """
                SELECT COUNT(*) FROM ingestion_jobs WHERE \(db.condition) AND source_id = \(id) AND task = 'ingest' AND state = 'queued'
                """)
            if waiting == 0 { try enqueue(id, task: .ingest) }
        }
    }

    /// Deletes a source with its chunks, jobs and links; returns it so its blob can be released.
    func delete(_ id: UUID, kind: KnowledgeSource.Kind) throws -> KnowledgeSource? {
        try db.transaction {
            guard
                let source = try db.fetchOne(
                    KnowledgeSource.self,
                    """
                    SELECT \(KnowledgeSource.selection()) FROM knowledge_sources
                    WHERE \(db.condition) AND id = \(id) AND kind = \(kind.rawValue) FOR UPDATE
                    """)
            else { return nil }
            try db.execute("DELETE FROM knowledge_sources WHERE \(db.condition) AND id = \(id)")
            return source
        }
    }

    /// Queues a job for an ingest worker.
    func enqueue(_ sourceID: UUID, task: IngestionQueue.Task, batchID: UUID? = nil) throws {
        let now = Date.now.truncatedToMicroseconds
        try db.execute(
            """
            INSERT INTO ingestion_jobs (organization_id, source_id, batch_id, task, state, attempts, created_at, updated_at)
            VALUES (\(db.value), \(sourceID), \(batchID), \(task.rawValue), 'queued', 0, \(now), \(now))
            """)
    }
}

extension AppContext {
    /// Deletes the source named by the path parameter, audited; `nil` when there is no such source.
    func deleteSource(_ request: Request, _ parameter: String, kind: KnowledgeSource.Kind) throws -> KnowledgeSource? {
        let id = try resourceID(parameter)
        let store = KnowledgeStore(db: try organizationDatabase())
        return try audited(request, "knowledge.deleted") {
            try store.delete(id, kind: kind)
        } describe: { source in
            (("knowledge_source", source.id.uuidString.lowercased()), ["kind": .string(kind.rawValue)])
        }
    }
}
