import Foundation
import MariaDB

/// One organization's re-embedding requests: one job per ready source, progress read from those jobs.
struct ReembedBatches {
    let db: ScopedConnection

    struct Batch: Encodable {
        var id: UUID
        var scope: String
        var status: String
        var total: Int
        var done: Int
        var failed: Int
        var createdAt: Date
    }

    /// A batch's row with the progress counted from its jobs.
    private struct Progress: Decodable {
        var scope: String
        var total: Int
        var createdAt: Date
        var done: Int
        var failed: Int
    }

    /// A batch for the ready sources among `sourceIDs`, or in `scope`, or all; `description`
    /// replaces the scope's own wording (what the batch is for, as lists show it).
    ///
    /// Asked again while a batch for the same scope still has jobs queued or running, it answers
    /// that batch (`created` false) instead of queueing the same sources again: a client retrying,
    /// or asking every minute, cannot pile re-embeddings up in the workers' queue. The workers'
    /// own passes after a model change (those with a `description`) are never merged.
    func create(sourceIDs: [UUID]?, scope: KnowledgeScope?, description wording: String? = nil) throws -> (batch: Batch, created: Bool) {
        var filter: SQL = "\(db.condition("s")) AND s.status = 'ready'"
        var description: String
        let scopeText: String
        if let sourceIDs {
            filter.append("AND s.id IN \(list: sourceIDs)")
            description = "sources: \(sourceIDs.count)"
            scopeText = "sources:" + Set(sourceIDs.map { $0.uuidString.lowercased() }).sorted().joined(separator: ",")
        } else if let scope {
            filter.append("AND \(scope.condition)")
            description = "assistant: \(scope.assistantID.uuidString.lowercased())"
            scopeText = "assistant:\(scope.assistantID.uuidString.lowercased())"
        } else {
            description = "all"
            scopeText = "all"
        }
        let scopeKey = wording == nil ? BlobStore.sha256(Array(scopeText.utf8)) : nil
        if let wording { description = wording }
        let id = UUID()
        let now = Date.now.truncatedToMicroseconds
        // The organization's turn row (see `IngestionQueue`) serializes requests that queue for
        // it in bulk: two requests at once cannot both find no running batch. It is created on its
        // own first, so the transaction below only ever locks an existing row (two transactions
        // creating it would deadlock on each other's gap locks).
        try db.execute("INSERT IGNORE INTO ingestion_turns (organization_id) VALUES (\(db.value))")
        return try db.transaction {
            _ = try db.rows("SELECT organization_id FROM ingestion_turns WHERE \(db.condition) FOR UPDATE")
            if let scopeKey,
                let running = try db.fetchOne(
                    UUID.self,
                    """
                    SELECT b.id FROM reembed_batches b
                    WHERE \(db.condition("b")) AND b.scope_key = \(scopeKey)
                      AND EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.batch_id = b.id AND j.state IN ('queued', 'running'))
                    ORDER BY b.created_at DESC LIMIT 1
                    """),
                let batch = try find(running)
            {
                return (batch, false)
            }
            let sources = try db.fetchAll(UUID.self, "SELECT s.id FROM knowledge_sources s WHERE \(filter)")
            try db.execute(
                """
                INSERT INTO reembed_batches (id, organization_id, scope, scope_key, total, created_at)
                VALUES (\(id), \(db.value), \(description), \(scopeKey), \(sources.count), \(now))
                """)
            let queue = KnowledgeStore(db: db)
            for source in sources { try queue.enqueue(source, task: .reembed, batchID: id) }
            let batch = Batch(
                id: id, scope: description, status: sources.isEmpty ? "done" : "queued", total: sources.count, done: 0,
                failed: 0, createdAt: now)
            return (batch, true)
        }
    }

    /// The organization's batches, newest first, with their progress.
    func list(limit: Int, offset: Int) throws -> (items: [Batch], count: Int) {
        let count = try db.fetchOne(Int.self, "SELECT COUNT(*) FROM reembed_batches WHERE \(db.condition)") ?? 0
        let ids = try db.fetchAll(
            UUID.self,
            "SELECT id FROM reembed_batches WHERE \(db.condition) ORDER BY created_at DESC, id LIMIT \(limit) OFFSET \(offset)")
        return (try ids.compactMap(find), count)
    }

    /// A source counts once: done when its last slice is (a long source takes several jobs, each
    /// queueing the next), failed when one of them gave up.
    func find(_ id: UUID) throws -> Batch? {
        guard
            let row = try db.fetchOne(
                Progress.self,
                """
                SELECT b.scope, b.total, b.created_at,
                       (SELECT COUNT(DISTINCT j.source_id) FROM ingestion_jobs j WHERE j.batch_id = b.id AND j.state = 'done'
                          AND NOT EXISTS (SELECT 1 FROM ingestion_jobs k WHERE k.batch_id = b.id AND k.source_id = j.source_id
                                          AND k.state IN ('queued', 'running', 'failed'))) AS done,
                       (SELECT COUNT(DISTINCT j.source_id) FROM ingestion_jobs j WHERE j.batch_id = b.id AND j.state = 'failed') AS failed
                FROM reembed_batches b WHERE \(db.condition("b")) AND b.id = \(id)
                """)
        else { return nil }
        let status = row.done + row.failed >= row.total ? (row.failed > 0 ? "finished_with_failures" : "done") : "running"
        return Batch(
            id: id, scope: row.scope, status: status, total: row.total, done: row.done, failed: row.failed, createdAt: row.createdAt)
    }
}
