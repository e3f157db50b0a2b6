import Foundation
import Logging
import MariaDB

/// The audit trail of refused requests, written after responses are handed back and in batches,
/// so a flood of 429s costs one multi-row insert per `batchSize` refusals instead of a commit each.
///
/// Records wait in memory until `batchSize` have gathered or the oldest is `maximumDelay` old; the
/// responder flushes after each response, when idle, and before it exits. A responder that is
/// killed outright loses what is waiting: fewer than `batchSize` records.
public final class BreachLog {
    struct Breach: Equatable {
        var organizationID: UUID
        var apiKeyID: UUID
        var method: String
        var path: String
        var clientAddress: String?
        var limitPerHour: Int
        var occurredAt: Date
    }

    static let batchSize = 50
    static let maximumDelay: Duration = .seconds(1)
    /// While the database is unreachable records are kept up to this many; older ones are dropped, and counted in the log.
    static let maximumPending = 2_000
    /// Inserts use these row counts only, so a handful of prepared statements covers any batch.
    private static let chunkSizes = [32, 16, 8, 4, 2, 1]

    private var pending: [Breach] = []
    private var oldestAt: ContinuousClock.Instant?
    private var dropped = 0
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    var pendingCount: Int { pending.count }

    func record(_ breach: Breach) {
        if pending.count >= Self.maximumPending {
            pending.removeFirst()
            dropped += 1
        }
        if pending.isEmpty { oldestAt = .now }
        pending.append(breach)
    }

    /// Writes the waiting records when a batch is full or the oldest has waited long enough.
    func flushIfDue(_ database: Connection) {
        guard let oldestAt, pending.count >= Self.batchSize || ContinuousClock.now - oldestAt >= Self.maximumDelay else { return }
        flush(database)
    }

    /// Writes every waiting record. On failure they stay for the next attempt.
    func flush(_ database: Connection) {
        guard !pending.isEmpty else { return }
        if dropped > 0 {
            logger.error("rate-limit breach records dropped while the database was unreachable", metadata: ["dropped": "\(dropped)"])
            dropped = 0
        }
        do {
            var written = 0
            while written < pending.count {
                let size = Self.chunkSizes.first { $0 <= pending.count - written }!
                try insert(pending[written..<(written + size)], into: database)
                written += size
            }
            pending.removeAll(keepingCapacity: true)
            oldestAt = nil
        } catch {
            logger.error("cannot record rate-limit breaches; keeping them for the next attempt", metadata: [
                "pending": "\(pending.count)", "error": "\(error)",
            ])
            oldestAt = .now
        }
    }

    private func insert(_ rows: ArraySlice<Breach>, into database: Connection) throws {
        let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: rows.count).joined(separator: ", ")
        var values: [DatabaseValue] = []
        values.reserveCapacity(rows.count * 7)
        for row in rows {
            values += [
                row.organizationID.databaseValue, row.apiKeyID.databaseValue, .text(String(row.method.prefix(10))),
                .text(String(row.path.prefix(500))), row.clientAddress.map { .text(String($0.prefix(45))) } ?? .null,
                .int(Int64(row.limitPerHour)), row.occurredAt.databaseValue,
            ]
        }
        try database.execute("""
            INSERT INTO rate_limit_breaches
                (organization_id, api_key_id, method, path, client_address, limit_per_hour, occurred_at)
            VALUES \(placeholders)
            """, values)
    }
}
