import Logging
import MariaDB

/// Records that must not delay a response, written after responses are handed back and in batches,
/// so a flood costs one multi-row write per `batchSize` records instead of a commit each.
///
/// Records wait in memory until `batchSize` have gathered or the oldest is `maximumDelay` old; the
/// responder flushes after each response, when idle, and before it exits. A responder killed
/// outright loses what is waiting: fewer than `batchSize` records, none older than `maximumDelay`
/// (more only while the database is unreachable, up to `maximumPending`).
final class DeferredWrites<Record> {
    let batchSize: Int
    let maximumDelay: Duration
    /// While the database is unreachable records are kept up to this many; older ones are dropped, and counted in the log.
    let maximumPending: Int
    /// What is written, for the log.
    let what: String
    private let write: (ArraySlice<Record>, Connection) throws -> Void
    private let logger: Logger

    private(set) var pending: [Record] = []
    private var oldestAt: ContinuousClock.Instant?
    private var dropped = 0

    /// `write` stores a slice of records in one go (it may split them further); it runs in a transaction.
    init(
        what: String, batchSize: Int = 500, maximumDelay: Duration = .seconds(1), maximumPending: Int = 2_000, logger: Logger,
        write: @escaping (ArraySlice<Record>, Connection) throws -> Void
    ) {
        self.what = what
        self.batchSize = batchSize
        self.maximumDelay = maximumDelay
        self.maximumPending = maximumPending
        self.logger = logger
        self.write = write
    }

    var pendingCount: Int { pending.count }

    func record(_ record: Record) {
        if pending.count >= maximumPending {
            pending.removeFirst()
            dropped += 1
        }
        if pending.isEmpty { oldestAt = .now }
        pending.append(record)
    }

    /// Writes the waiting records when a batch is full or the oldest has waited long enough.
    func flushIfDue(_ database: Connection) {
        guard let oldestAt, pending.count >= batchSize || ContinuousClock.now - oldestAt >= maximumDelay else { return }
        flush(database)
    }

    /// Writes every waiting record, all or nothing. On failure they stay for the next attempt.
    func flush(_ database: Connection) {
        guard !pending.isEmpty else { return }
        if dropped > 0 {
            logger.error("\(what) dropped while the database was unreachable", metadata: ["dropped": "\(dropped)"])
            dropped = 0
        }
        do {
            try database.transaction { try write(pending[...], database) }
            pending.removeAll(keepingCapacity: true)
            oldestAt = nil
        } catch {
            logger.error(
                "cannot write \(what); keeping them for the next attempt",
                metadata: [
                    "pending": "\(pending.count)", "error": "\(error)",
                ])
            oldestAt = .now
        }
    }
}
