import Foundation
import MariaDB

/// Marks sessions past their expiry `expired` in the table, so reports and DBAs see the state the
/// API already shows. Run by the ingest workers between jobs and by `companin session sweep`;
/// several sweepers at once only share the work (`SKIP LOCKED`).
///
/// It works on the unscoped connection on purpose: expiry is housekeeping for every organization
/// at once, with no caller whose organization could scope it, and it reads and writes only the
/// state of sessions, never what they hold.
public struct SessionSweeper {
    let database: Connection
    /// Rows marked per transaction, so a backlog never holds many locks at once.
    public static let batchSize = 500

    public init(database: Connection) { self.database = database }

    /// Marks one batch; returns how many sessions it marked (fewer than `batchSize`: nothing left).
    public func sweepBatch(at now: Date = .now) throws -> Int {
        try database.transaction {
            let ids = try database.fetchAll(
                UUID.self,
                """
                SELECT id FROM sessions WHERE state = 'active' AND expires_at <= \(now) ORDER BY expires_at LIMIT \(Self.batchSize)
                FOR UPDATE SKIP LOCKED
                """)
            guard !ids.isEmpty else { return 0 }
            // The expiry is checked again: a sliding session may have been extended since the read.
            return Int(
                try database.execute(
                    """
                    UPDATE sessions SET state = 'expired', updated_at = \(now)
                    WHERE id IN \(list: ids) AND state = 'active' AND expires_at <= \(now)
                    """
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
