import Foundation
import MariaDB

/// The ingest workers' queue in MariaDB. A worker claims the oldest queued job — or a running one
/// whose lease passed because its worker died — with `SELECT … FOR UPDATE SKIP LOCKED`, so workers
/// never wait on each other and never take the same job.
///
/// Unscoped on purpose: workers serve every organization, so claiming jobs, their leases, finding
/// due refreshes and sources left behind by a model change read across organizations. Everything
/// a job then does to its source goes through its organization's scoped stores; jobs are queued
/// there too (`KnowledgeStore.enqueue`).
public struct IngestionQueue {
    public enum Task: String, Sendable, Codable { case ingest, reembed }

    public struct Job: Sendable, Equatable, Decodable {
        public var id: Int64
        public var organizationID: UUID
        public var sourceID: UUID
        public var batchID: UUID?
        public var task: Task
        public var attempts: Int
    }

    /// A ready source whose chunks carry another model's vectors.
    struct StaleSource: Decodable {
        var organizationID: UUID
        var sourceID: UUID
    }

    let database: Connection

    public init(database: Connection) { self.database = database }

    /// Queues URL sources whose refresh is due (a few at a time; other workers take the rest).
    func enqueueDueRefreshes() throws {
        struct Due: Decodable {
            var id: UUID
            var organizationID: UUID
        }
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            let due = try database.fetchAll(
                Due.self,
                """
                SELECT id, organization_id FROM knowledge_sources
                WHERE next_refresh_at IS NOT NULL AND next_refresh_at <= \(now) AND status IN ('ready', 'failed')
                ORDER BY next_refresh_at LIMIT 10 FOR UPDATE SKIP LOCKED
                """)
            for source in due {
                try KnowledgeStore(db: database.organization(source.organizationID)).queueRefresh(source.id, at: now)
            }
        }
    }

    /// Takes the next job and leases it for `lease`, new content before re-embeddings (which a
    /// model change can queue by the thousand), oldest first; `nil` when there is nothing to do.
    public func claim(worker: String, lease: Duration) throws -> Job? {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard
                var job = try database.fetchOne(
                    Job.self,
                    """
                    SELECT id, organization_id, source_id, batch_id, task, attempts FROM ingestion_jobs
                    WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < \(now))
                    ORDER BY task = 'reembed', id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """)
            else { return nil }
            job.attempts += 1
            try database.execute(
                """
                UPDATE ingestion_jobs SET state = 'running', attempts = \(job.attempts),
                    lease_expires_at = \(now.addingTimeInterval(Double(lease.components.seconds))), worker = \(worker), updated_at = \(now)
                WHERE id = \(job.id)
                """)
            return job
        }
    }

    /// Extends a running job's lease, while this worker still holds it.
    func renew(_ job: Job, worker: String, lease: Duration) throws {
        let now = Date.now.truncatedToMicroseconds
        try database.execute(
            """
            UPDATE ingestion_jobs SET lease_expires_at = \(now.addingTimeInterval(Double(lease.components.seconds))), updated_at = \(now)
            WHERE id = \(job.id) AND state = 'running' AND worker = \(worker)
            """)
    }

    func finish(_ job: Job) throws {
        try database.execute(
            """
            UPDATE ingestion_jobs SET state = 'done', lease_expires_at = NULL, updated_at = \(Date.now.truncatedToMicroseconds)
            WHERE id = \(job.id)
            """)
    }

    /// Records a failed attempt: queued again while attempts remain, otherwise failed for good.
    func fail(_ job: Job, error: String, retry: Bool) throws {
        try database.execute(
            """
            UPDATE ingestion_jobs SET state = \(retry ? "queued" : "failed"), lease_expires_at = NULL,
                last_error = \(error.prefix(codePoints: 1000)), updated_at = \(Date.now.truncatedToMicroseconds)
            WHERE id = \(job.id)
            """)
    }

    /// Ready sources whose chunks carry another model's vectors than `model`, most recently changed
    /// first, leaving out those with a job queued or running, or whose re-embedding failed within
    /// the hour (the model server down).
    func staleSources(model: String, limit: Int) throws -> [StaleSource] {
        try database.fetchAll(
            StaleSource.self,
            """
            SELECT DISTINCT c.organization_id, c.source_id, s.updated_at FROM knowledge_chunks c
            JOIN knowledge_sources s ON s.id = c.source_id AND s.organization_id = c.organization_id
            WHERE s.status = 'ready' AND c.embedding_model <> \(model)
              AND NOT EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.source_id = c.source_id
                  AND (j.state IN ('queued', 'running') OR (j.state = 'failed' AND j.updated_at > UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)))
            ORDER BY s.updated_at DESC, c.source_id
            LIMIT \(limit)
            """)
    }

    /// Takes MariaDB's named lock `name` without waiting; false when another session holds it.
    func tryLock(_ name: String) throws -> Bool {
        try database.fetchOne(Int?.self, "SELECT GET_LOCK(\(name), 0)") == .some(1)
    }

    func unlock(_ name: String) {
        _ = try? database.rows("SELECT RELEASE_LOCK(\(name))")
    }
}
