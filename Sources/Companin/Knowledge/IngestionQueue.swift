import Foundation
import MariaDB

/// The ingest workers' queue in MariaDB. A worker claims the oldest queued job — or a running one
/// whose lease passed because its worker died — with `SELECT … FOR UPDATE SKIP LOCKED`, so workers
/// never wait on each other and never take the same job.
public struct IngestionQueue {
    public enum Task: String, Sendable { case ingest, reembed }

    public struct Job: Sendable, Equatable {
        public var id: Int64
        public var organizationID: UUID
        public var sourceID: UUID
        public var batchID: UUID?
        public var task: Task
        public var attempts: Int
    }

    let database: Connection

    public init(database: Connection) { self.database = database }

    func enqueue(organizationID: UUID, sourceID: UUID, task: Task, batchID: UUID? = nil) throws {
        let now = Date.now.truncatedToMicroseconds
        try database.execute(
            sql: """
            INSERT INTO ingestion_jobs (organization_id, source_id, batch_id, task, state, attempts, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'queued', 0, ?, ?)
            """,
            [
                organizationID.databaseValue, sourceID.databaseValue, batchID.databaseValue, .text(task.rawValue),
                now.databaseValue, now.databaseValue,
            ])
    }

    /// Queues URL sources whose refresh is due (a few at a time; other workers take the rest).
    func enqueueDueRefreshes() throws {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            let due = try database.query(
                sql: """
                SELECT id, organization_id FROM knowledge_sources
                WHERE next_refresh_at IS NOT NULL AND next_refresh_at <= ? AND status IN ('ready', 'failed')
                ORDER BY next_refresh_at LIMIT 10 FOR UPDATE SKIP LOCKED
                """, [now.databaseValue])
            for row in due {
                let organizationID = try row.decode(UUID.self, "organization_id")
                let sourceID = try row.decode(UUID.self, "id")
                try database.execute(
                    sql: """
                    UPDATE knowledge_sources SET next_refresh_at = NULL, queued_at = ?, updated_at = ? WHERE id = ?
                    """, [now.databaseValue, now.databaseValue, sourceID.databaseValue])
                try enqueue(organizationID: organizationID, sourceID: sourceID, task: .ingest)
            }
        }
    }

    /// Takes the next job and leases it for `lease`, new content before re-embeddings (which a
    /// model change can queue by the thousand), oldest first; `nil` when there is nothing to do.
    public func claim(worker: String, lease: Duration) throws -> Job? {
        try database.transaction {
            let now = Date.now.truncatedToMicroseconds
            guard
                let row = try database.query(
                    sql: """
                    SELECT id, organization_id, source_id, batch_id, task, attempts FROM ingestion_jobs
                    WHERE state = 'queued' OR (state = 'running' AND lease_expires_at < ?)
                    ORDER BY task = 'reembed', id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """, [now.databaseValue]
                ).first
            else { return nil }
            let job = Job(
                id: try row.decode(Int64.self, "id"),
                organizationID: try row.decode(UUID.self, "organization_id"),
                sourceID: try row.decode(UUID.self, "source_id"),
                batchID: try row.decode(UUID?.self, "batch_id"),
                task: Task(rawValue: try row.decode(String.self, "task")) ?? .ingest,
                attempts: try row.decode(Int.self, "attempts") + 1)
            try database.execute(
                sql: """
                UPDATE ingestion_jobs SET state = 'running', attempts = ?, lease_expires_at = ?, worker = ?, updated_at = ?
                WHERE id = ?
                """,
                [
                    .int(Int64(job.attempts)), now.addingTimeInterval(Double(lease.components.seconds)).databaseValue,
                    .text(worker), now.databaseValue, .int(job.id),
                ])
            return job
        }
    }

    /// Extends a running job's lease, while this worker still holds it.
    func renew(_ job: Job, worker: String, lease: Duration) throws {
        let now = Date.now.truncatedToMicroseconds
        try database.execute(
            sql: """
            UPDATE ingestion_jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND worker = ?
            """, [now.addingTimeInterval(Double(lease.components.seconds)).databaseValue, now.databaseValue, .int(job.id), .text(worker)])
    }

    func finish(_ job: Job) throws {
        try database.execute(
            sql: "UPDATE ingestion_jobs SET state = 'done', lease_expires_at = NULL, updated_at = ? WHERE id = ?",
            [Date.now.truncatedToMicroseconds.databaseValue, .int(job.id)])
    }

    /// Records a failed attempt: queued again while attempts remain, otherwise failed for good.
    func fail(_ job: Job, error: String, retry: Bool) throws {
        try database.execute(
            sql: """
            UPDATE ingestion_jobs SET state = ?, lease_expires_at = NULL, last_error = ?, updated_at = ? WHERE id = ?
            """,
            [
                .text(retry ? "queued" : "failed"), .text(error.prefix(codePoints: 1000)),
                Date.now.truncatedToMicroseconds.databaseValue, .int(job.id),
            ])
    }
}
