import ArgumentParser
import Companin
import Foundation
import MariaDB
import ResponderPool

struct IngestWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-worker",
        abstract: "Work through the knowledge ingestion queue (spawned by `serve`; several may run at once).")

    @OptionGroup var options: IngestWorkerOptions
    @OptionGroup var scoreboard: ScoreboardOptions

    /// Seconds an idle worker waits before looking at the queue again.
    static let idlePause: TimeInterval = 0.25

    func run() throws {
        var flags = ConfigurationFlags()
        options.apply(to: &flags)
        let configuration = try Startup.configuration(flags)
        Startup.bootstrapLogging(configuration.logLevel)
        let logger = Startup.logger("companin.ingest")
        Startup.protectProcess(logger)
        let process = try ResponderProcess(slot: scoreboard.slot, maxRequests: 0, logger: logger)
        let sandbox = try Startup.extractionSandbox(configuration.knowledge.extractionSandbox, logger: logger)
        let knowledge = configuration.knowledgeConfiguration(
            enricher: try configuration.makeEnricher(), extractorExecutable: try Serve.executablePath())
        var databaseConfiguration = try configuration.database.required()
        // Workers replace a source's chunks (delete, then insert) while others do the same for
        // other sources of the organization; under REPEATABLE READ the deletes' gap locks make
        // those inserts deadlock with each other.
        databaseConfiguration.isolation = .readCommitted
        let database = Connection(configuration: databaseConfiguration, logger: logger)
        let worker = IngestWorker(
            database: database,
            configuration: .init(
                blobDirectory: knowledge.blobDirectory, lease: configuration.knowledge.lease,
                maxAttempts: configuration.knowledge.maxAttempts,
                maxInFlightPerOrganization: configuration.knowledge.maxInFlightPerOrganization,
                extractorExecutable: knowledge.extractorExecutable, extractionSandbox: sandbox),
            enricher: knowledge.enricher, fetchPolicy: knowledge.fetchPolicy, logger: logger)

        // Between jobs, each worker also marks expired sessions now and then; several workers only share that work.
        let sweeper = SessionSweeper(database: database)
        let sweepInterval = configuration.sessions.sweepInterval
        let clock = ContinuousClock()
        var nextSweep = clock.now
        // The request log's coming months are split off now and then (cheap while they are empty).
        let partitions = RequestLogPartitions(database: database)
        var nextPartitionCheck = clock.now
        // Knowledge embedded by another model than the current one is queued for re-embedding.
        let upgrade = EmbeddingUpgrade(database: database, model: knowledge.enricher.embeddingModel)
        var nextUpgradeCheck = clock.now

        // Any signal to finish ends the loop between jobs: a job is never abandoned half-way by
        // choice (if the worker is killed, the lease brings the job back).
        while process.poll() == .serving {
            if clock.now >= nextSweep {
                nextSweep = clock.now + sweepInterval
                do {
                    let marked = try sweeper.sweepBatch()
                    if marked > 0 { logger.info("sessions expired", metadata: ["count": "\(marked)"]) }
                } catch {
                    logger.error("cannot sweep sessions", metadata: ["error": "\(error)"])
                }
            }
            if clock.now >= nextPartitionCheck {
                nextPartitionCheck = clock.now + .seconds(6 * 3600)
                do {
                    let added = try partitions.ensure()
                    if !added.isEmpty { logger.info("request log partitions added", metadata: ["partitions": "\(added)"]) }
                } catch {
                    logger.error("cannot add request log partitions", metadata: ["error": "\(error)"])
                }
            }
            let job: IngestionQueue.Job?
            do {
                job = try worker.claim()
            } catch {
                logger.error("cannot claim a job", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            guard let job else {
                // Idle: the background move to the current embedding model queues a few sources at a
                // time (new content is claimed before them anyway).
                if clock.now >= nextUpgradeCheck {
                    do {
                        let queued = try upgrade.queueStaleSources()
                        if queued > 0 {
                            logger.info("sources queued for the current embedding model", metadata: ["count": "\(queued)"])
                            continue
                        }
                    } catch {
                        logger.error("cannot queue sources for the current embedding model", metadata: ["error": "\(error)"])
                    }
                    nextUpgradeCheck = clock.now + .seconds(30)
                }
                Thread.sleep(forTimeInterval: Self.idlePause)
                continue
            }
            process.beginRequest("\(job.task.rawValue) \(job.sourceID.uuidString.lowercased())")
            worker.run(job)
            process.endRequest()
        }
    }
}
