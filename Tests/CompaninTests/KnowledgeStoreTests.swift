import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB
import Testing

@testable import Companin

@Suite struct KnowledgeSourceRecordTests {
    @Test func theDeclaredColumnsAreTheOnesARowIsWrittenWith() throws {
        let source = KnowledgeSource.pending(kind: .file, title: "t", metadata: [:], at: .now)
        let columns = try RowEncoder().encode(source).map(\.column)
        #expect(columns.sorted() == KnowledgeSource.databaseColumns.sorted())
        #expect(Set(columns).count == columns.count)
    }

    @Test func theAPIShapeIsReadFromTheColumns() {
        var source = KnowledgeSource.pending(kind: .file, title: "t", metadata: [:], at: .now)
        #expect(source.error == nil && source.sha256 == nil)
        source.errorCode = "no_text"
        source.contentSHA256 = [0x00, 0xab, 0x10]
        source.chunksEmbedded = 2
        source.chunksToEmbed = 5
        #expect(source.error == KnowledgeSource.Failure(code: "no_text", message: ""))
        #expect(source.sha256 == "00ab10")
        #expect(source.progress == KnowledgeSource.Progress(chunksDone: 2, chunksTotal: 5))
    }
}

/// The knowledge stores against the application schema, migrated into the test database
/// (`COMPANIN_TEST_DATABASE_URL`); each test works in organizations of its own.
@Suite(
    "Knowledge stores", .serialized,
    .enabled(if: StoreTestDatabase.isAvailable))
struct KnowledgeStoreTests {
    let connection: Connection

    init() throws {
        connection = try StoreTestDatabase.migratedConnection()
    }

    private func organization() throws -> ScopedConnection {
        try StoreTestDatabase.organization()
    }

    private func file(_ bytes: [UInt8], title: String = "Manual") -> KnowledgeSource {
        var source = KnowledgeSource.pending(
            kind: .file, title: title, metadata: ["team": .string("billing"), "n": .int(3)],
            at: Date.now.truncatedToMicroseconds)
        source.contentKind = "text"
        source.mediaType = "text/plain"
        source.filename = "manual.txt"
        source.sizeBytes = bytes.count
        source.contentSHA256 = BlobStore.sha256(bytes)
        source.blobPath = "x/\(BlobStore.hex(BlobStore.sha256(bytes)))"
        source.attributes = ["title_from": .string("client")]
        return source
    }

    @Test func aSourceRoundTripsAndOtherOrganizationsDoNotSeeIt() throws {
        let store = KnowledgeStore(db: try organization())
        let source = file(Array("hello".utf8))
        try store.insert(source, queue: true)
        #expect(try store.find(source.id) == source)
        #expect(try store.find(source.id, kind: .file) == source)
        #expect(try store.find(source.id, kind: .qa) == nil)
        #expect(try store.findFile(sha256: BlobStore.sha256(Array("hello".utf8)))?.id == source.id)
        #expect(try store.references(blobPath: source.blobPath!))
        let jobs = try store.db.fetchOne(
            Int.self, "SELECT COUNT(*) FROM ingestion_jobs WHERE \(store.db.condition) AND source_id = \(source.id)")
        #expect(jobs == 1)

        let other = KnowledgeStore(db: try organization())
        #expect(try other.find(source.id) == nil)
        #expect(try other.list(kind: .file, status: nil, Pagination(limit: 10, offset: 0)).count == 0)
        #expect(try other.delete(source.id, kind: .file) == nil)
        #expect(try !other.references(blobPath: source.blobPath!))
        #expect(try store.delete(source.id, kind: .file) == source)
        #expect(try store.find(source.id) == nil)
    }

    @Test func listsFilterByStatusAndTag() throws {
        let store = KnowledgeStore(db: try organization())
        var pairs: [KnowledgeSource] = []
        for (index, tags) in [["billing"], ["billing", "vip"], []].enumerated() {
            var pair = KnowledgeSource.pending(kind: .qa, title: "Q\(index)", metadata: [:], at: Date.now.truncatedToMicroseconds)
            pair.question = "Q\(index)"
            pair.answer = "A"
            pair.tags = tags
            try store.insert(pair, queue: false)
            pairs.append(pair)
        }
        try store.markFailed(pairs[2].id, code: "no_text", message: "nothing")
        let all = try store.list(kind: .qa, status: nil, Pagination(limit: 2, offset: 0))
        #expect(all.count == 3 && all.items.count == 2)
        #expect(try store.list(kind: .qa, status: .failed, Pagination(limit: 10, offset: 0)).items.map(\.id) == [pairs[2].id])
        #expect(try store.find(pairs[2].id)?.error == KnowledgeSource.Failure(code: "no_text", message: "nothing"))
        let vip = try store.list(kind: .qa, status: nil, tag: "vip", Pagination(limit: 10, offset: 0))
        #expect(vip.items.map(\.id) == [pairs[1].id])
        #expect(try store.list(kind: .qa, status: nil, tag: "billing", Pagination(limit: 10, offset: 0)).count == 2)

        var changed = pairs[0]
        changed.answer = "B"
        changed.tags = ["vip"]
        changed.metadata = ["k": .bool(true)]
        try store.updateQA(changed, requeue: true)
        let read = try #require(try store.find(changed.id))
        #expect(read.answer == "B" && read.tags == ["vip"] && read.metadata == ["k": .bool(true)] && read.status == .pending)
    }

    @Test func chunksAreReadForTheIndexAndForHits() throws {
        let db = try organization()
        let store = KnowledgeStore(db: db)
        let chunks = KnowledgeChunkStore(db: db)
        let source = file(Array("chunks".utf8))
        try store.insert(source, queue: false)
        let versionBefore = try chunks.version()
        let texts = ["first chunk", "second chunk", "third chunk"]
        let embeddings = texts.indices.map { Embedding(model: "m1", vector: [Float($0), 1]) }
        try chunks.replace(
            source.id, with: texts.enumerated().map { Chunk(index: $0.offset, text: $0.element, startOffset: 0) }, embeddings, at: .now)
        try store.markReady(
            source.id, title: "Manual", attributes: [:], summary: "s", keywords: ["k"], chunkCount: 3, at: Date.now.truncatedToMicroseconds)
        #expect(try chunks.version() > versionBefore)

        let batch = try chunks.indexBatch(model: "m1", after: 0, contentAfter: 0, limit: 10)
        #expect(batch.map(\.content) == texts)
        #expect(batch.allSatisfy { $0.embedding != nil && $0.sourceID == source.id && $0.kind == "file" })
        let later = try chunks.indexBatch(model: "m2", after: batch[0].id, contentAfter: batch[1].id, limit: 10)
        #expect(later.map(\.content) == [nil, "third chunk"])
        #expect(later.allSatisfy { $0.embedding == nil })

        let details = try chunks.details([batch[2].id, batch[0].id, batch[1].id])
        #expect(Set(details.map(\.content)) == Set(texts))
        #expect(details.first { $0.id == batch[2].id }?.chunkIndex == 2)
        #expect(try KnowledgeChunkStore(db: try organization()).details(batch.map(\.id)).isEmpty)

        #expect(try chunks.staleCount(source.id, model: "m2") == 3)
        let stale = try chunks.staleChunks(source.id, model: "m2", limit: 2)
        #expect(stale.map(\.content) == ["first chunk", "second chunk"])
        try chunks.setEmbedding(stale[0].id, Embedding(model: "m2", vector: [1, 0]))
        #expect(try chunks.staleCount(source.id, model: "m2") == 2)
    }

    @Test func assistantsSeeTheirScopeAndBatchesQueueItsSources() throws {
        let db = try organization()
        let store = KnowledgeStore(db: db)
        let assistantID = UUID()
        try db.execute(
            """
            INSERT INTO assistants (id, organization_id, name, description, tone, language, task_templates, metadata)
            VALUES (\(assistantID), \(db.value), 'A', '', 'friendly', 'en', '[]', '{}')
            """)
        let links = AssistantKnowledgeStore(db: db)
        let scope = try #require(try links.scope(of: assistantID))
        #expect(scope.mode == .all)
        #expect(try AssistantKnowledgeStore(db: try organization()).scope(of: assistantID) == nil)

        let sources = [file(Array("one".utf8), title: "One"), file(Array("two".utf8), title: "Two")]
        for source in sources {
            try store.insert(source, queue: false)
            try store.markReady(source.id, at: Date.now.truncatedToMicroseconds)
        }
        try links.link(sources[0].id, to: assistantID, mode: "exclude")
        #expect(try links.listedSources(scope) == [sources[0].id])
        let effective = try links.effectiveSources(scope, Pagination(limit: 10, offset: 0))
        #expect(effective.count == 1 && effective.items.map(\.sourceID) == [sources[1].id] && effective.items[0].link == nil)
        #expect(try links.unlink(sources[0].id, from: assistantID))
        #expect(try !links.unlink(sources[0].id, from: assistantID))

        let batches = ReembedBatches(db: db)
        let batch = try batches.create(sourceIDs: nil, scope: scope).batch
        #expect(batch.total == 2 && batch.status == "queued")
        let read = try #require(try batches.find(batch.id))
        #expect(read.total == 2 && read.done == 0 && read.status == "running")
        #expect(try batches.list(limit: 10, offset: 0).items.map(\.id) == [batch.id])
        #expect(try ReembedBatches(db: try organization()).find(batch.id) == nil)
        let chosen = try batches.create(sourceIDs: [sources[1].id, UUID(), UUID()], scope: nil).batch
        #expect(chosen.total == 1 && chosen.scope == "sources: 3")
    }

    @Test func workersClaimLeaseAndFinishJobsAcrossOrganizations() throws {
        let store = KnowledgeStore(db: try organization())
        let source = file(Array("queued".utf8))
        try store.insert(source, queue: true)
        let queue = IngestionQueue(database: connection)
        // Jobs other tests left queued in this database are claimed (and finished) on the way.
        var claimed: IngestionQueue.Job?
        while let job = try queue.claim(worker: "test", lease: .seconds(1)) {
            if job.sourceID == source.id {
                claimed = job
                break
            }
            try queue.finish(job)
        }
        let job = try #require(claimed)
        #expect(job.organizationID == store.db.organizationID && job.task == .ingest && job.attempts == 1 && job.batchID == nil)
        let lease: (Int64) throws -> Date? = { id in
            try connection.fetchOne(Date?.self, "SELECT lease_expires_at FROM ingestion_jobs WHERE id = \(id)") ?? nil
        }
        let first = try #require(try lease(job.id))
        try queue.renew(job, worker: "test", lease: .seconds(600))
        #expect(try #require(try lease(job.id)) > first.addingTimeInterval(500))
        try queue.renew(job, worker: "another", lease: .seconds(6_000))
        #expect(try #require(try lease(job.id)) < first.addingTimeInterval(1_000))
        try queue.fail(job, error: "boom", retry: true)
        // Queued again, in its organization's turn: other organizations' jobs may come first.
        var retried: IngestionQueue.Job?
        while let next = try queue.claim(worker: "test", lease: .seconds(60)) {
            if next.id == job.id {
                retried = next
                break
            }
            try queue.finish(next)
        }
        let again = try #require(retried)
        #expect(again.attempts == 2)
        try queue.finish(again)
        #expect(try lease(job.id) == nil)
        #expect(try queue.tryLock("companin.test-lock"))
        queue.unlock("companin.test-lock")
    }
}
