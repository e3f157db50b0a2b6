import Foundation
import Logging
import MariaDB

/// The audit trail of refused requests, written after responses are handed back and in batches
/// (`DeferredWrites`), so a flood of 429s costs one multi-row insert per 500 refusals instead of a
/// commit each.
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

    let writes: DeferredWrites<Breach>

    init(logger: Logger) {
        writes = DeferredWrites(what: "rate-limit breach records", logger: logger, write: Self.insert)
    }

    var pendingCount: Int { writes.pendingCount }

    func record(_ breach: Breach) { writes.record(breach) }
    func flushIfDue(_ database: Connection) { writes.flushIfDue(database) }
    func flush(_ database: Connection) { writes.flush(database) }

    private static func insert(_ breaches: ArraySlice<Breach>, into database: Connection) throws {
        try database.insert(
            into: "rate_limit_breaches",
            columns: ["organization_id", "api_key_id", "method", "path", "client_address", "limit_per_hour", "occurred_at"],
            rows: breaches.map { row in
                [
                    row.organizationID.databaseValue, row.apiKeyID.databaseValue, .text(row.method.prefix(codePoints: 10)),
                    .text(row.path.prefix(codePoints: 500)), row.clientAddress.map { .text($0.prefix(codePoints: 45)) } ?? .null,
                    .int(Int64(row.limitPerHour)), row.occurredAt.databaseValue,
                ]
            })
    }
}
