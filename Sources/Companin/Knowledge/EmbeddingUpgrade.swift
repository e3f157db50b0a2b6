import Foundation
import MariaDB

/// Moves organizations' knowledge to the current embedding model in the background: after the
/// model changes (an upgrade, or an operator switching providers), idle ingest workers find ready
/// sources whose chunks carry another model's vectors and queue them, a few at a time, in one
/// re-embedding batch per organization and pass, which `GET /api/v1/knowledge/reembed/{id}` and the sources' `progress`
/// show. Until a source is done, search still finds its chunks by their words; its old vectors
/// are simply not compared with the new model's queries.
public struct EmbeddingUpgrade {
    let database: Connection
    let model: String

    /// Sources queued per pass (workers pass when idle): new content waits behind at most these.
    static let passLimit = 50
    /// Only one worker queues at a time (MariaDB's named lock), so two never queue the same sources.
    static let lockName = "companin.embedding-upgrade"

    public init(database: Connection, model: String) {
        self.database = database
        self.model = model
    }

    /// Queues the sources left behind by a model change, most recently changed first (the
    /// knowledge organizations are working on now); returns how many. A source whose
    /// re-embedding failed (the model server down) waits an hour before it is tried again.
    public func queueStaleSources() throws -> Int {
        guard try database.query(sql: "SELECT GET_LOCK(?, 0) AS taken", [.text(Self.lockName)]).first?.decode(Int?.self, "taken") == 1 else {
            return 0
        }
        defer { _ = try? database.query(sql: "SELECT RELEASE_LOCK(?) AS released", [.text(Self.lockName)]) }
        // Across organizations on purpose, like claiming jobs: this is the workers' own bookkeeping.
        // Batches are then created per organization, through the organization-scoped store.
        let rows = try database.query(
            sql: """
            SELECT DISTINCT c.organization_id, c.source_id, s.updated_at FROM knowledge_chunks c
            JOIN knowledge_sources s ON s.id = c.source_id AND s.organization_id = c.organization_id
            WHERE s.status = 'ready' AND c.embedding_model <> ?
              AND NOT EXISTS (SELECT 1 FROM ingestion_jobs j WHERE j.source_id = c.source_id
                  AND (j.state IN ('queued', 'running') OR (j.state = 'failed' AND j.updated_at > UTC_TIMESTAMP(6) - INTERVAL 1 HOUR)))
            ORDER BY s.updated_at DESC, c.source_id
            LIMIT ?
            """, [.text(model), .int(Int64(Self.passLimit))])
        var stale: [UUID: [UUID]] = [:]
        for row in rows {
            stale[try row.decode(UUID.self, "organization_id"), default: []].append(try row.decode(UUID.self, "source_id"))
        }
        var queued = 0
        for (organizationID, sources) in stale {
            queued += try ReembedBatches(database: database, organizationID: organizationID)
                .create(sourceIDs: sources, scope: nil, description: "model upgrade to \(model)").total
        }
        return queued
    }
}
