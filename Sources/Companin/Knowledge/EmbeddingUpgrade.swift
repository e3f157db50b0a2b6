import Foundation
import MariaDB

/// Moves organizations' knowledge to the current embedding model in the background: after the
/// model changes (an upgrade, or an operator switching providers), idle ingest workers find ready
/// sources whose chunks carry another model's vectors and queue them, a few at a time, in one
/// re-embedding batch per organization and pass, which `GET /api/v1/knowledge/reembed/{id}` and the sources' `progress`
/// show. Until a source is done, search still finds its chunks by their words; its old vectors
/// are simply not compared with the new model's queries.
///
/// It finds stale sources across organizations through the unscoped `IngestionQueue` (the
/// workers' own bookkeeping), then creates each organization's batch through its scoped store.
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
        let queue = IngestionQueue(database: database)
        guard try queue.tryLock(Self.lockName) else { return 0 }
        defer { queue.unlock(Self.lockName) }
        var stale: [UUID: [UUID]] = [:]
        for source in try queue.staleSources(model: model, limit: Self.passLimit) {
            stale[source.organizationID, default: []].append(source.sourceID)
        }
        var queued = 0
        for (organizationID, sources) in stale {
            queued += try ReembedBatches(db: database.organization(organizationID))
                .create(sourceIDs: sources, scope: nil, description: "model upgrade to \(model)").batch.total
        }
        return queued
    }
}
