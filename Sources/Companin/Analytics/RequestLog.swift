import Foundation
import HTTP
import Logging
import MariaDB

/// The request log: one row per request a responder answered, written after the response in
/// batches (`DeferredWrites`: at most 500 rows or 1 second wait in a responder), together with the
/// five-minute, hourly and daily rollups of those rows in the same transaction, so they never
/// disagree; each rollup row of a route and period is upserted once per batch, not per request.
final class RequestLog {
    /// One row: what the recorder writes, and what `/analytics/logs/` reads back (then with its `id`).
    struct Entry: Equatable, Codable {
        var id: Int64?
        var occurredAt: Date
        var organizationID: UUID?
        var apiKeyID: UUID?
        var requestID: String
        var method: String
        var route: String
        var path: String
        var status: Int
        var durationMicroseconds: Int
        var requestBytes: Int
        var responseBytes: Int
        var clientAddress: String?
        var userAgent: String?
        var throttled: Bool

        enum CodingKeys: String, CodingKey {
            case id
            case occurredAt = "occurred_at"
            case organizationID = "organization_id"
            case apiKeyID = "api_key_id"
            case requestID = "request_id"
            case method, route, path, status
            case durationMicroseconds = "duration_us"
            case requestBytes = "request_bytes"
            case responseBytes = "response_bytes"
            case clientAddress = "client_address"
            case userAgent = "user_agent"
            case throttled
        }
    }

    /// Upper bounds (µs) of the latency histogram of the rollups: `latency_le_<bound>us` columns,
    /// then `latency_over_10000000us`.
    static let latencyBounds = [
        500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000,
    ]
    static let latencyColumns = latencyBounds.map { "latency_le_\($0)us" } + ["latency_over_10000000us"]

    let writes: DeferredWrites<Entry>

    init(logger: Logger) {
        writes = DeferredWrites(what: "request log rows", logger: logger, write: Self.insert)
    }

    func record(_ entry: Entry) { writes.record(entry) }
    func flushIfDue(_ database: Connection) { writes.flushIfDue(database) }
    func flush(_ database: Connection) { writes.flush(database) }

    /// The histogram bucket of a duration.
    static func bucket(ofMicroseconds duration: Int) -> Int {
        latencyBounds.firstIndex { duration <= $0 } ?? latencyBounds.count
    }

    static let columns = [
        "occurred_at", "organization_id", "api_key_id", "request_id", "method", "route", "path", "status",
        "duration_us", "request_bytes", "response_bytes", "client_address", "user_agent", "throttled",
    ]

    private static func insert(_ entries: ArraySlice<Entry>, into database: Connection) throws {
        try database.insert(
            into: "request_log", columns: columns,
            rows: entries.map { row in
                [
                    row.occurredAt.databaseValue, row.organizationID.databaseValue, row.apiKeyID.databaseValue,
                    .text(row.requestID.prefix(codePoints: 64)), .text(row.method.prefix(codePoints: 10)),
                    .text(row.route.prefix(codePoints: 200)),
                    .text(row.path.prefix(codePoints: 500)), .int(Int64(row.status)),
                    .int(Int64(min(row.durationMicroseconds, Int(UInt32.max)))),
                    .int(Int64(row.requestBytes)), .int(Int64(row.responseBytes)),
                    row.clientAddress.map { .text($0.prefix(codePoints: 45)) } ?? .null,
                    row.userAgent.map { .text($0.prefix(codePoints: 300)) } ?? .null, row.throttled.databaseValue,
                ]
            })
        try rollUp(entries, into: database)
    }

    /// A rollup table: per organization, key, route and method, the sums of the requests of each
    /// period of `seconds` starting at `column`.
    struct Rollup: Sendable, Equatable {
        let table: String
        let column: String
        let seconds: Int
    }

    static let fiveMinutes = Rollup(table: "request_log_5min", column: "minute", seconds: 300)
    static let hourly = Rollup(table: "request_log_hourly", column: "hour", seconds: 3_600)
    static let daily = Rollup(table: "request_log_daily", column: "day", seconds: 86_400)
    static let rollups = [fiveMinutes, hourly, daily]

    /// Adds the entries of authenticated requests to their periods' rollups.
    private static func rollUp(_ entries: ArraySlice<Entry>, into database: Connection) throws {
        for rollup in rollups { try rollUp(entries, into: database, rollup) }
    }

    private static func rollUp(_ entries: ArraySlice<Entry>, into database: Connection, _ rollup: Rollup) throws {
        let seconds = Double(rollup.seconds)
        struct Key: Hashable {
            var organizationID: UUID
            var start: Date
            var apiKeyID: UUID
            var route: String
            var method: String
        }
        struct Sums {
            var requests = 0, errors4xx = 0, errors5xx = 0, throttled = 0, duration = 0, requestBytes = 0, responseBytes = 0
            var latency = Array(repeating: 0, count: RequestLog.latencyColumns.count)
        }
        var groups: [Key: Sums] = [:]
        var order: [Key] = []
        for entry in entries {
            guard let organizationID = entry.organizationID, let apiKeyID = entry.apiKeyID else { continue }
            let start = Date(timeIntervalSince1970: (entry.occurredAt.timeIntervalSince1970 / seconds).rounded(.down) * seconds)
            let key = Key(
                organizationID: organizationID, start: start, apiKeyID: apiKeyID, route: entry.route.prefix(codePoints: 200),
                method: entry.method.prefix(codePoints: 10))
            if groups[key] == nil { order.append(key) }
            var sums = groups[key, default: Sums()]
            sums.requests += 1
            if (400..<500).contains(entry.status) { sums.errors4xx += 1 }
            if entry.status >= 500 { sums.errors5xx += 1 }
            if entry.throttled { sums.throttled += 1 }
            sums.duration += entry.durationMicroseconds
            sums.requestBytes += entry.requestBytes
            sums.responseBytes += entry.responseBytes
            sums.latency[bucket(ofMicroseconds: entry.durationMicroseconds)] += 1
            groups[key] = sums
        }
        // Every responder upserts the rows it shares with others in one order, so two flushes wait
        // for each other instead of deadlocking.
        order.sort {
            ($0.organizationID.uuidString, $0.start, $0.apiKeyID.uuidString, $0.route, $0.method)
                < ($1.organizationID.uuidString, $1.start, $1.apiKeyID.uuidString, $1.route, $1.method)
        }
        let counters =
            ["requests", "errors_4xx", "errors_5xx", "throttled", "duration_us_sum", "request_bytes", "response_bytes"]
            + latencyColumns
        let rows = order.map { key in
            let sums = groups[key]!
            return [
                key.organizationID.databaseValue, key.start.databaseValue, key.apiKeyID.databaseValue, .text(key.route), .text(key.method),
            ]
                + ([sums.requests, sums.errors4xx, sums.errors5xx, sums.throttled, sums.duration, sums.requestBytes, sums.responseBytes]
                + sums.latency).map { DatabaseValue.int(Int64($0)) }
        }
        try database.insert(
            into: rollup.table, columns: ["organization_id", rollup.column, "api_key_id", "route", "method"] + counters, rows: rows,
            onDuplicateKey: SQL.joined(
                counters.map { "\(identifier: $0) = \(identifier: $0) + VALUES(\(identifier: $0))" }, separator: ", "))
    }
}

/// Records every request in the request log after it is answered: the outermost step, so it sees
/// what authentication, the limiter and the router learned (through the context's trace).
struct RequestRecorder: Middleware {
    let log: RequestLog

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        let arrived = Date.now
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try next(request, context)
        } catch {
            response = Response.error(error)
        }
        log.record(
            RequestLog.entry(
                for: request, response: response, context: context, arrived: arrived,
                elapsed: ContinuousClock.now - start))
        return response
    }
}

extension RequestLog {
    static func entry(for request: Request, response: Response, context: AppContext, arrived: Date, elapsed: Duration) -> Entry {
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        return Entry(
            id: nil, occurredAt: arrived.truncatedToMicroseconds, organizationID: context.principal?.organizationID,
            apiKeyID: context.principal?.keyID, requestID: context.requestID, method: request.method.rawValue,
            route: context.routeTemplate ?? "", path: request.path, status: response.status.code,
            durationMicroseconds: Int(max(0, micros)), requestBytes: request.body.count, responseBytes: response.body.count,
            clientAddress: request.remoteAddress, userAgent: request.headers["User-Agent"], throttled: context.trace.throttled)
    }
}
