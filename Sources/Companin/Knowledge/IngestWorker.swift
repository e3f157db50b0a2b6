import Foundation
import HTTP
import Ingestion
import Logging
import MariaDB

/// An ingest worker's job loop body: claim one job, process it, record the outcome. Bad content
/// fails its source at once with the extractor's reason; other failures (database, a model server)
/// are retried up to `maxAttempts`, and a job whose worker died is claimed again once its lease passes.
public final class IngestWorker {
    public struct Configuration: Sendable {
        public var blobDirectory: URL
        public var lease: Duration
        public var maxAttempts: Int
        /// Jobs of one organization running at once across all workers: the others stay free for
        /// other organizations while one floods the queue (or fetches from a slow server).
        public var maxInFlightPerOrganization: Int
        public var extractorExecutable: String
        /// Where extractors run; nil for resource limits only.
        public var extractionSandbox: ExtractionSandbox?

        public init(
            blobDirectory: URL, lease: Duration, maxAttempts: Int, maxInFlightPerOrganization: Int = .max, extractorExecutable: String,
            extractionSandbox: ExtractionSandbox? = nil
        ) {
            self.blobDirectory = blobDirectory
            self.lease = lease
            self.maxAttempts = maxAttempts
            self.maxInFlightPerOrganization = maxInFlightPerOrganization
            self.extractorExecutable = extractorExecutable
            self.extractionSandbox = extractionSandbox
        }
    }

    let database: Connection
    let configuration: Configuration
    let processor: SourceProcessor
    let logger: Logger
    let name: String

    public init(database: Connection, configuration: Configuration, enricher: any Enricher, fetchPolicy: FetchPolicy, logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        name = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        processor = SourceProcessor(
            blobs: BlobStore(directory: configuration.blobDirectory),
            runner: ExtractionRunner(executable: configuration.extractorExecutable, sandbox: configuration.extractionSandbox),
            enricher: enricher,
            chunker: Chunker(), fetcher: Fetcher(policy: fetchPolicy))
    }

    /// Claims the next job, after queueing URL sources whose scheduled refresh is due; `nil` when
    /// there is nothing to do.
    public func claim() throws -> IngestionQueue.Job? {
        let queue = IngestionQueue(database: database)
        try queue.enqueueDueRefreshes()
        return try queue.claim(worker: name, lease: configuration.lease, maxInFlight: configuration.maxInFlightPerOrganization)
    }

    /// Runs a claimed job to its end; never throws (an outcome is always recorded, or the lease retries it).
    public func run(_ job: IngestionQueue.Job) {
        let queue = IngestionQueue(database: database)
        let db = database.organization(job.organizationID)
        let store = KnowledgeStore(db: db)
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = "\(job.id)"
        jobLogger[metadataKey: "source_id"] = "\(job.sourceID.uuidString.lowercased())"
        // A job that is making progress keeps its lease, however long its source: only a worker
        // that stopped (died, or hangs) lets it lapse for another to take the job.
        let renew = { try queue.renew(job, worker: self.name, lease: self.configuration.lease) }
        do {
            guard let source = try store.find(job.sourceID) else {
                try queue.finish(job)  // deleted meanwhile
                return
            }
            switch job.task {
            case .ingest:
                try store.markProcessing(source.id)
                let result = try processor.process(source, in: db, heartbeat: renew)
                try processor.store(result, for: source, in: db)
            case .reembed:
                // A long source moves in slices: the next one queues behind whatever came meanwhile.
                if try processor.reembed(source, in: db, heartbeat: renew) {
                    try store.enqueue(source.id, task: .reembed, batchID: job.batchID)
                }
            }
            try queue.finish(job)
            jobLogger.info("job done", metadata: ["task": "\(job.task.rawValue)", "attempt": "\(job.attempts)"])
        } catch let failure as SourceProcessor.PermanentFailure {
            if (try? store.find(job.sourceID))?.kind == .url { try? store.scheduleNextRefresh(job.sourceID) }
            jobLogger.warning("source failed", metadata: ["code": "\(failure.code)", "reason": "\(failure.message)"])
            try? store.markFailed(job.sourceID, code: failure.code, message: failure.message)
            try? queue.fail(job, error: "\(failure.code): \(failure.message)", retry: false)
        } catch {
            let retry = job.attempts < configuration.maxAttempts
            jobLogger.error("job attempt failed", metadata: ["attempt": "\(job.attempts)", "retry": "\(retry)", "error": "\(error)"])
            // A re-embedding that gives up leaves the source as it was: its chunks and old vectors
            // still answer (by their words), and the next upgrade pass or request tries again.
            if !retry, job.task == .ingest {
                try? store.markFailed(
                    job.sourceID, code: "ingestion_failed",
                    message: "Gave up after \(job.attempts) attempts: \(Self.publicReason(error))")
            }
            try? queue.fail(job, error: "\(error)", retry: retry)
        }
    }

    /// What a client may read about a failure on its source: a fetch's or a model server's own
    /// account, else only the kind of trouble — never a statement's text or a server's message
    /// (those stay in the log and the job).
    static func publicReason(_ error: any Error) -> String {
        switch error {
        case let failure as SourceProcessor.RetryableFailure:
            // Our own words about a site or a model server ("timeout: …"); a name that does not
            // resolve or resolves inside never gets here (see `SourceProcessor.unreachableName`).
            failure.description
        case let error as DatabaseError where error.isConnectionLost || error.kind == .connection:
            "the database was unreachable"
        case is DatabaseError:
            "a database error"
        default:
            "an internal error"
        }
    }
}
