import Foundation
import HTTP
import Ingestion
import MariaDB
import Testing

@testable import Companin

/// Fair ingestion across organizations, in the serialized "Knowledge stores" suite: these tests
/// claim every job in the shared test database (finishing other tests' jobs untouched, as
/// `workersClaimLeaseAndFinishJobsAcrossOrganizations` does), so no other claimer may run beside them.
extension KnowledgeStoreTests {
    /// Claims with `queue` until nothing is left or `stop` says so; every job not of
    /// `organizations` (left by other tests) is finished without being run.
    private func claimAll(
        _ queue: IngestionQueue, of organizations: Set<UUID>, maxInFlight: Int = .max, limit: Int = 10_000,
        stop: (IngestionQueue.Job) throws -> Bool
    ) throws {
        for _ in 0..<limit {
            guard let job = try queue.claim(worker: "fairness test", lease: .seconds(300), maxInFlight: maxInFlight) else { return }
            if !organizations.contains(job.organizationID) {
                try queue.finish(job)
                continue
            }
            if try stop(job) { return }
        }
    }

    @Test func anotherOrganizationsJobIsClaimedWithinOneTurnOfEachWorkerWhileOneFloods() throws {
        let flooding = KnowledgeStore(db: try StoreTestDatabase.organization())
        let other = KnowledgeStore(db: try StoreTestDatabase.organization())
        for n in 0..<200 { try flooding.insert(queuedSource("flood \(n)"), queue: true) }
        let queue = IngestionQueue(database: connection)
        let workers = 2
        // The flood is under way: the first organization's jobs are being taken.
        var taken = 0
        try claimAll(queue, of: [flooding.db.organizationID]) { job in
            try queue.finish(job)
            taken += 1
            return taken == workers
        }
        #expect(taken == workers)

        let late = queuedSource("late upload")
        try other.insert(late, queue: true)
        var floodClaimsBefore = 0
        var lateJob: IngestionQueue.Job?
        try claimAll(queue, of: [flooding.db.organizationID, other.db.organizationID]) { job in
            try queue.finish(job)
            if job.sourceID == late.id {
                lateJob = job
                return true
            }
            floodClaimsBefore += 1
            return false
        }
        // First in, first out, it would wait behind the 198 jobs still queued.
        #expect(lateJob != nil)
        #expect(floodClaimsBefore <= workers, "the late upload waited behind \(floodClaimsBefore) jobs of the flood")
        try flooding.db.execute("DELETE FROM ingestion_jobs WHERE \(flooding.db.condition)")
    }

    @Test func anOrganizationNeverHasMoreJobsInFlightThanItsCapWithConcurrentClaimers() throws {
        let store = KnowledgeStore(db: try StoreTestDatabase.organization())
        let organizationID = store.db.organizationID
        for n in 0..<12 { try store.insert(queuedSource("capped \(n)"), queue: true) }
        let cap = 3
        let claimed = Recorder<IngestionQueue.Job>()
        let failures = Recorder<String>()
        runConcurrently(6) { _ in
            do {
                let queue = IngestionQueue(database: try workerConnection())
                for _ in 0..<8 {
                    guard let job = try queue.claim(worker: "cap test", lease: .seconds(300), maxInFlight: cap) else { continue }
                    if job.organizationID == organizationID { claimed.append(job) } else { try queue.finish(job) }
                }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.items.isEmpty)
        let running = try store.db.fetchOne(
            Int.self, "SELECT COUNT(*) FROM ingestion_jobs WHERE \(store.db.condition) AND state = 'running'")
        #expect(claimed.items.count == cap)
        #expect(running == cap)

        // A job finished makes room for exactly one more.
        let queue = IngestionQueue(database: connection)
        try queue.finish(try #require(claimed.items.first))
        var more: [IngestionQueue.Job] = []
        try claimAll(queue, of: [organizationID], maxInFlight: cap) { job in
            more.append(job)
            return false
        }
        #expect(more.count == 1)
        try store.db.execute("DELETE FROM ingestion_jobs WHERE \(store.db.condition)")
    }

    @Test func aClaimPassesOverAnOrganizationAnotherWorkerIsClaimingFor() throws {
        let store = KnowledgeStore(db: try StoreTestDatabase.organization())
        let organizationID = store.db.organizationID
        try store.insert(queuedSource("turn held"), queue: true)
        let queue = IngestionQueue(database: connection)
        // Every other job first, so the organization has its turn row and is next.
        try claimAll(queue, of: [organizationID]) { job in
            try queue.fail(job, error: "put back", retry: true)
            return true
        }
        // Another worker, mid-claim for that organization, holds its turn row.
        let other = try workerConnection()
        try other.execute("START TRANSACTION")
        _ = try other.rows("SELECT organization_id FROM ingestion_turns WHERE organization_id = \(organizationID) FOR UPDATE")
        var claimedWhileHeld: IngestionQueue.Job?
        try claimAll(queue, of: [organizationID]) { job in
            claimedWhileHeld = job
            return true
        }
        #expect(claimedWhileHeld == nil)
        try other.execute("COMMIT")
        var claimed: IngestionQueue.Job?
        try claimAll(queue, of: [organizationID]) { job in
            claimed = job
            return true
        }
        #expect(claimed?.organizationID == organizationID)
        try store.db.execute("DELETE FROM ingestion_jobs WHERE \(store.db.condition)")
    }

    @Test func reembeddingTheSameScopeWhileItsBatchRunsAnswersThatBatch() throws {
        let db = try StoreTestDatabase.organization()
        let store = KnowledgeStore(db: db)
        var sources: [KnowledgeSource] = []
        for n in 0..<3 {
            var source = queuedSource("ready \(n)")
            source.status = .ready
            try store.insert(source, queue: false)
            sources.append(source)
        }
        let batches = ReembedBatches(db: db)
        let jobs = { try db.fetchOne(Int.self, "SELECT COUNT(*) FROM ingestion_jobs WHERE \(db.condition)") ?? 0 }

        let all = try batches.create(sourceIDs: nil, scope: nil)
        #expect(all.created && all.batch.total == 3)
        let again = try batches.create(sourceIDs: nil, scope: nil)
        #expect(!again.created && again.batch.id == all.batch.id && again.batch.status == "running")
        #expect(try jobs() == 3)

        // The same set of sources, in another order or with repeats, is the same scope; another set is not.
        let two = try batches.create(sourceIDs: [sources[0].id, sources[1].id], scope: nil)
        #expect(two.created && two.batch.total == 2)
        let twoAgain = try batches.create(sourceIDs: [sources[1].id, sources[0].id, sources[1].id], scope: nil)
        #expect(!twoAgain.created && twoAgain.batch.id == two.batch.id)
        #expect(try batches.create(sourceIDs: [sources[2].id], scope: nil).created)
        // The workers' own passes after a model change are never merged.
        #expect(try batches.create(sourceIDs: [sources[2].id], scope: nil, description: "model upgrade to m").created)
        #expect(try batches.create(sourceIDs: [sources[2].id], scope: nil, description: "model upgrade to m").created)

        // Once its jobs are done, asking again queues a new batch.
        try db.execute("UPDATE ingestion_jobs SET state = 'done' WHERE \(db.condition)")
        let later = try batches.create(sourceIDs: nil, scope: nil)
        #expect(later.created && later.batch.id != all.batch.id && later.batch.total == 3)
        try db.execute("DELETE FROM ingestion_jobs WHERE \(db.condition)")
    }

    @Test func aSourceWaitingForAWorkerIsNotQueuedAgain() throws {
        let db = try StoreTestDatabase.organization()
        let store = KnowledgeStore(db: db)
        let source = queuedSource("refreshed often")
        try store.insert(source, queue: true)
        let jobs = { (state: String) in
            try db.fetchOne(Int.self, "SELECT COUNT(*) FROM ingestion_jobs WHERE \(db.condition) AND state = \(state)") ?? 0
        }
        try store.requeue(source.id)
        try store.requeue(source.id)
        #expect(try jobs("queued") == 1)
        // Once a worker has it, a new request queues the next fetch.
        try db.execute("UPDATE ingestion_jobs SET state = 'running' WHERE \(db.condition)")
        try store.requeue(source.id)
        try store.requeue(source.id)
        #expect(try jobs("queued") == 1 && jobs("running") == 1)
        try db.execute("DELETE FROM ingestion_jobs WHERE \(db.condition)")
    }

    @Test func reembedAskedTwiceThroughTheAPIAnswersTheRunningBatch() throws {
        let app = try TestApp()
        #expect(app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "Prazo?", "answer": "Catorze dias."}"#).status == 202)
        try app.ingestPendingPairs()
        let first = app.send(.post, "/api/v1/knowledge/reembed", json: "{}")
        #expect(first.status == 202 && first["total"] == 1)
        let second = app.send(.post, "/api/v1/knowledge/reembed", json: "{}")
        #expect(second.status == 200 && second.id == first.id && second["status"] == "running")
        try app.db.execute("DELETE FROM ingestion_jobs WHERE \(app.db.condition)")
    }

    /// Two real ingest workers, in threads of this process, work through the queue while one
    /// organization has 300 Q&A pairs queued; another organization's text file uploaded then is
    /// ready after at most one job per worker of the flood, and within 10 seconds.
    @Test func anUploadIsReadyWithinABoundWhileAnotherOrganizationFloods() throws {
        let flooding = try TestApp()
        let uploading = try TestApp()
        let pairs = (0..<300).map { n in
            JSONValue.object(["question": .string("Pergunta \(n) sobre entregas?"), "answer": .string("Resposta \(n): em dois dias.")])
        }
        #expect(flooding.send(.post, "/api/v1/knowledge/qas/", json: JSONValue.array(pairs).serialized).status == 202)

        let extractor = FileManager.default.temporaryDirectory.appendingPathComponent("fair-extractor-\(UUID().uuidString).sh")
        try Data("#!/bin/sh\necho '{\"ok\":{\"text\":\"Devolucoes em trinta dias.\",\"attributes\":{}}}'\n".utf8).write(to: extractor)
        chmod(extractor.path, 0o755)
        defer { try? FileManager.default.removeItem(at: extractor) }

        let workers = 2
        let ours: Set<UUID> = [flooding.organizationID, uploading.organizationID]
        let clock = ContinuousClock()
        let claims = Recorder<(organizationID: UUID, at: ContinuousClock.Instant)>()
        let failures = Recorder<String>()
        let stop = Recorder<Bool>()
        let started = clock.now
        let running = runInBackground(workers) { _ in
            do {
                let database = try workerConnection()
                let queue = IngestionQueue(database: database)
                // The cap `serve` gives two workers by default: all but one.
                let worker = IngestWorker(
                    database: database,
                    configuration: .init(
                        blobDirectory: TestApp.blobDirectory, lease: .seconds(60), maxAttempts: 3,
                        maxInFlightPerOrganization: max(1, workers - 1), extractorExecutable: extractor.path),
                    enricher: LocalEnricher(), fetchPolicy: FetchPolicy(), logger: TestApp.logger)
                while stop.items.isEmpty, clock.now - started < .seconds(90) {
                    guard let job = try worker.claim() else {
                        Thread.sleep(forTimeInterval: 0.01)
                        continue
                    }
                    guard ours.contains(job.organizationID) else {
                        try queue.finish(job)  // another test's, left behind
                        continue
                    }
                    claims.append((job.organizationID, clock.now))
                    worker.run(job)
                }
            } catch {
                failures.append("\(error)")
            }
        }

        // The flood is under way before the upload.
        while claims.items.count < 10, clock.now - started < .seconds(30) { Thread.sleep(forTimeInterval: 0.01) }
        let uploaded = uploading.upload("/api/v1/knowledge/files/", filename: "returns.txt", Array("Devoluções em trinta dias.".utf8))
        let uploadedAt = clock.now  // its job is committed
        #expect(uploaded.status == 202)
        var readyAfter: Duration?
        while clock.now - uploadedAt < .seconds(30) {
            if uploading.send(.get, "/api/v1/knowledge/files/\(uploaded.id)")["status"] == "ready" {
                readyAfter = clock.now - uploadedAt
                break
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        stop.append(true)
        running.wait()
        let stillQueued = try flooding.db.fetchOne(
            Int.self, "SELECT COUNT(*) FROM knowledge_sources WHERE \(flooding.db.condition) AND status <> 'ready'")
        try flooding.db.execute("DELETE FROM ingestion_jobs WHERE \(flooding.db.condition)")

        #expect(failures.items.isEmpty)
        let order = claims.items
        let uploadClaimed = try #require(order.firstIndex { $0.organizationID == uploading.organizationID })
        // Jobs of the flood claimed after the upload was queued and before it: each worker may
        // take the flood's next job at the moment the upload arrives, then it is the upload's turn.
        let floodClaimsBetween = order[..<uploadClaimed].filter { $0.at > uploadedAt }.count
        #expect(floodClaimsBetween <= workers, "the upload waited behind \(floodClaimsBetween) jobs of the flood")
        #expect(readyAfter != nil, "the upload was not ready within 30 s while the flood ran")
        #expect((readyAfter ?? .seconds(99)) < .seconds(10))
        // Ready while the flood still had most of its pairs to go: the test showed something.
        #expect((stillQueued ?? 0) > 200)
    }

    /// A file source, queued or not by the caller.
    private func queuedSource(_ title: String) -> KnowledgeSource {
        let bytes = Array("\(title) \(UUID())".utf8)
        var source = KnowledgeSource.pending(kind: .file, title: title, metadata: [:], at: Date.now.truncatedToMicroseconds)
        source.contentKind = "text"
        source.mediaType = "text/plain"
        source.filename = "\(title).txt"
        source.sizeBytes = bytes.count
        source.contentSHA256 = BlobStore.sha256(bytes)
        source.blobPath = "x/\(BlobStore.hex(BlobStore.sha256(bytes)))"
        return source
    }
}

/// A connection as an ingest worker has one: reading committed rows.
private func workerConnection() throws -> Connection {
    var configuration = try DatabaseConfiguration(url: StoreTestDatabase.url ?? "")
    configuration.isolation = .readCommitted
    return Connection(configuration: configuration, logger: TestApp.logger)
}

/// Values appended from several threads.
final class Recorder<Value: Sendable>: @unchecked Sendable {  // every access to `values` holds `lock`
    private let lock = NSLock()
    private var values: [Value] = []

    func append(_ value: Value) { lock.withLock { values.append(value) } }
    var items: [Value] { lock.withLock { values } }
}

/// Runs `body` on `count` threads of their own (each with its own database connection, as worker
/// processes have); wait on the group for them to end.
func runInBackground(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    return group
}

/// Runs `body` on `count` threads at once and waits for them all.
func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    runInBackground(count, body).wait()
}
