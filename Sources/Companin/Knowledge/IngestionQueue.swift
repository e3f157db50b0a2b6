import Foundation
import MariaDB

/// The ingest workers' queue in MariaDB. Workers take turns between the organizations with work
/// waiting — the one with the fewest jobs in flight, then the one served longest ago — and take that
/// organization's next job (a queued one, or a running one whose lease passed because its worker
/// died) with `SELECT … FOR UPDATE SKIP LOCKED`, so workers never wait on each other and never take
/// the same job. One organization queuing thousands of jobs therefore delays another's upload by
/// about one job per worker, not by its whole backlog.
///
/// Unscoped on purpose: workers serve every organization, so choosing whose turn it is, claiming
/// jobs, their leases, finding due refreshes and sources left behind by a model change read across
/// organizations — the workers' own system queries, never on behalf of a client. Everything a job
/// then does to its source goes through its organization's scoped stores; jobs are queued there
/// too (`KnowledgeStore.enqueue`).
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

    /// An organization with work waiting, as the claim ranks them.
    private struct Waiting: Decodable {
        var organizationID: UUID
        /// Whether it has its `ingestion_turns` row yet.
        var hasTurn: Bool
    }

    /// Organizations looked at per claim: more than one, because another worker may be claiming
    /// for the first ones at this moment (their turn rows are locked, and skipped).
    static let candidatesPerClaim = 16

    /// Takes the next job and leases it for `lease`: the organization with the fewest jobs in
    /// flight below `maxInFlight`, then the one whose last job was taken longest ago (never:
    /// first), then the one waiting longest; within it, new content before re-embeddings (which a
    /// model change can queue by the thousand), oldest first. `nil` when there is nothing to do.
    public func claim(worker: String, lease: Duration, maxInFlight: Int = .max) throws -> Job? {
        // A system query across organizations (the workers' own, see above): which one's turn it is.
        let now = Date.now.truncatedToMicroseconds
        for waiting in try waitingOrganizations(now: now, maxInFlight: maxInFlight) {
            if !waiting.hasTurn {
                // Outside the claim's transaction, so a worker creating the row does not hold it
                // (and make others wait on the duplicate key) any longer than this statement.
                try database.execute("INSERT IGNORE INTO ingestion_turns (organization_id) VALUES (\(waiting.organizationID))")
            }
            if let job = try claim(from: waiting.organizationID, worker: worker, lease: lease, maxInFlight: maxInFlight, now: now) {
                return job
            }
        }
        return nil
    }

    /// Organizations with a queued job or a running one whose lease passed, below `maxInFlight`
    /// jobs in flight, best first. Its cost grows with the number of organizations waiting, not
    /// with their jobs: `state BETWEEN 'queued' AND 'queued'` (a range, where `=` is a constant
    /// lookup) lets MariaDB take each organization's oldest job with one dive into
    /// `ingestion_jobs_waiting` ("Using index for group-by") instead of reading every queued job.
    private func waitingOrganizations(now: Date, maxInFlight: Int) throws -> [Waiting] {
        try database.fetchAll(
            Waiting.self,
            """
            SELECT w.organization_id, t.organization_id IS NOT NULL AS has_turn
            FROM (SELECT u.organization_id, MIN(u.id) AS first_job FROM (
                      SELECT organization_id, MIN(id) AS id FROM ingestion_jobs
                      WHERE state BETWEEN 'queued' AND 'queued' GROUP BY state, organization_id
                      UNION ALL
                      SELECT organization_id, MIN(id) FROM ingestion_jobs
                      WHERE state = 'running' AND lease_expires_at < \(now) GROUP BY organization_id
                  ) u GROUP BY u.organization_id) w
            LEFT JOIN (SELECT organization_id, COUNT(*) AS jobs FROM ingestion_jobs
                       WHERE state = 'running' AND lease_expires_at >= \(now) GROUP BY organization_id) f
                ON f.organization_id = w.organization_id
            LEFT JOIN ingestion_turns t ON t.organization_id = w.organization_id
            WHERE COALESCE(f.jobs, 0) < \(maxInFlight)
            ORDER BY COALESCE(f.jobs, 0), t.last_claimed_at IS NOT NULL, t.last_claimed_at, w.first_job
            LIMIT \(Self.candidatesPerClaim)
            """)
    }

    /// Claims `organizationID`'s next job, unless another worker is claiming for it right now or
    /// it already has `maxInFlight` jobs running.
    private func claim(from organizationID: UUID, worker: String, lease: Duration, maxInFlight: Int, now: Date) throws -> Job? {
        try database.transaction {
            // Every claim for an organization holds its turn row until it commits, so the count
            // below (the transaction's first plain read, taken after the lock) sees every job
            // claimed for it before: concurrent workers cannot together pass the cap.
            guard
                try database.fetchOne(
                    UUID.self,
                    "SELECT organization_id FROM ingestion_turns WHERE organization_id = \(organizationID) FOR UPDATE SKIP LOCKED"
                ) != nil
            else { return nil }
            let inFlight =
                try database.fetchOne(
                    Int.self,
                    """
                    SELECT COUNT(*) FROM ingestion_jobs
                    WHERE organization_id = \(organizationID) AND state = 'running' AND lease_expires_at >= \(now)
                    """) ?? 0
            guard inFlight < maxInFlight else { return nil }
            // A job whose worker died comes first; then the queue, read in the order of
            // `ingestion_jobs_organization` (the task enum sorts ingest before reembed). Read,
            // then locked by its primary key: a locking read of an index range would also lock
            // gaps (under REPEATABLE READ), and claimers of different organizations would deadlock
            // on the index entries their claims move. Claims for this organization wait behind
            // its turn row, so the job read stays the next one unless a worker or the API changed
            // it meanwhile; then the locking read finds nothing and the next claim looks again.
            let next =
                try database.fetchOne(
                    Int64.self,
                    """
                    SELECT id FROM ingestion_jobs
                    WHERE organization_id = \(organizationID) AND state = 'running' AND lease_expires_at < \(now)
                    ORDER BY id LIMIT 1
                    """)
                ?? database.fetchOne(
                    Int64.self,
                    """
                    SELECT id FROM ingestion_jobs WHERE organization_id = \(organizationID) AND state = 'queued' ORDER BY task, id LIMIT 1
                    """)
            guard let next,
                var job = try database.fetchOne(
                    Job.self,
                    """
                    SELECT id, organization_id, source_id, batch_id, task, attempts FROM ingestion_jobs
                    WHERE id = \(next) AND (state = 'queued' OR (state = 'running' AND lease_expires_at < \(now)))
                    FOR UPDATE SKIP LOCKED
                    """)
            else { return nil }
            job.attempts += 1
            try database.execute(
                """
                UPDATE ingestion_jobs SET state = 'running', attempts = \(job.attempts),
                    lease_expires_at = \(now.addingTimeInterval(Double(lease.components.seconds))), worker = \(worker), updated_at = \(now)
                WHERE id = \(job.id)
                """)
            try database.execute("UPDATE ingestion_turns SET last_claimed_at = \(now) WHERE organization_id = \(organizationID)")
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
