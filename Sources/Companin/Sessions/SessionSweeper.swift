import Foundation
import MariaDB

/// Marks sessions past their expiry `expired` in the table, so reports and DBAs see the state the
/// API already shows. Run by the ingest workers between jobs and by `companin session sweep`;
/// several sweepers at once only share the work (`SKIP LOCKED`).
public struct SessionSweeper {
    let database: Connection
    /// Rows marked per transaction, so a backlog never holds many locks at once.
    public static let batchSize = 500

    public init(database: Connection) { self.database = database }

    /// Marks one batch; returns how many sessions it marked (fewer than `batchSize`: nothing left).
    public func sweepBatch(at now: Date = .now) throws -> Int {
        try database.transaction {
            let rows = try database.query(
                sql: """
                SELECT id FROM sessions WHERE state = 'active' AND expires_at <= ? ORDER BY expires_at LIMIT ? FOR UPDATE SKIP LOCKED
                """, [now.databaseValue, .int(Int64(Self.batchSize))])
            guard !rows.isEmpty else { return 0 }
            let ids = try rows.map { try $0.decode(UUID.self, "id").databaseValue }
            // The expiry is checked again: a sliding session may have been extended since the read.
            return Int(
                try database.execute(
                    sql: """
                    UPDATE sessions SET state = 'expired', updated_at = ?
                    WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", "))) AND state = 'active' AND expires_at <= ?
                    """, [now.databaseValue] + ids + [now.databaseValue]
                ).affectedRows)
        }
    }

    /// Marks every session due; returns how many.
    public func sweep(at now: Date = .now) throws -> Int {
        var total = 0
        while true {
            let marked = try sweepBatch(at: now)
            total += marked
            if marked < Self.batchSize { return total }
        }
    }
}
