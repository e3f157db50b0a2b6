import Foundation
import HTTP
import MariaDB

/// Reads the request log for one organization (or, for operators, every one): raw rows for the log
/// itself, and totals per hour, endpoint or key from the rollups — days, hours and five minutes,
/// with the partial five minutes at the edges of a range counted from the raw rows, so figures are
/// exact for any `from`/`to`.
struct AnalyticsStore {
    /// One organization, or (operators only) every one.
    let scope: AnalyticsScope

    init(database: Connection, organizationID: UUID?) {
        scope = AnalyticsScope(database: database, organizationID: organizationID)
    }

    /// What is counted for a group of requests.
    struct Totals: Equatable {
        var requests = 0
        var errors4xx = 0
        var errors5xx = 0
        var throttled = 0
        var durationMicroseconds = 0
        var requestBytes = 0
        var responseBytes = 0
        var latency = Array(repeating: 0, count: RequestLog.latencyColumns.count)

        /// Adds `other` `times` times (−1 takes it away).
        mutating func add(_ other: Totals, times: Int = 1) {
            requests += times * other.requests
            errors4xx += times * other.errors4xx
            errors5xx += times * other.errors5xx
            throttled += times * other.throttled
            durationMicroseconds += times * other.durationMicroseconds
            requestBytes += times * other.requestBytes
            responseBytes += times * other.responseBytes
            for index in latency.indices { latency[index] += times * other.latency[index] }
        }

        /// A latency quantile in milliseconds from the histogram, interpolated within its bucket
        /// (the last, unbounded bucket counts as ending at twice its lower bound); `nil` without requests.
        func quantileMilliseconds(_ q: Double) -> Double? {
            let total = latency.reduce(0, +)
            guard total > 0 else { return nil }
            let rank = q * Double(total)
            var seen = 0
            for (index, count) in latency.enumerated() where count > 0 {
                if Double(seen + count) >= rank {
                    let lower = index == 0 ? 0 : Double(RequestLog.latencyBounds[index - 1])
                    let upper = index < RequestLog.latencyBounds.count ? Double(RequestLog.latencyBounds[index]) : lower * 2
                    let fraction = max(0, min(1, (rank - Double(seen)) / Double(count)))
                    return ((lower + (upper - lower) * fraction) / 1_000 * 1_000).rounded() / 1_000
                }
                seen += count
            }
            return nil
        }
    }

    enum Grouping {
        /// By hour; by day (groups then start at a day, or at an hour near the range's ends, for the
        /// caller to bin by day); by route and method; by API key.
        case hour, day, endpoint, apiKey

        /// The group columns of a row of `rollup` (times as the start of their hour: the caller bins hours by day).
        func rollupColumns(_ rollup: RequestLog.Rollup) -> SQL {
            switch self {
            case .hour, .day:
                rollup.seconds < 3_600
                    ? "CAST(DATE_FORMAT(r.\(identifier: rollup.column), '%Y-%m-%d %H:00:00') AS DATETIME) AS start"
                    : "CAST(r.\(identifier: rollup.column) AS DATETIME) AS start"
            case .endpoint: "r.route, r.method"
            case .apiKey: "r.api_key_id"
            }
        }

        /// The same groups computed from raw rows.
        var rawColumns: SQL {
            switch self {
            case .hour, .day: "CAST(DATE_FORMAT(occurred_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS start"
            case .endpoint: "route, method"
            case .apiKey: "api_key_id"
            }
        }

        var groupNames: SQL {
            switch self {
            case .hour, .day: "start"
            case .endpoint: "route, method"
            case .apiKey: "api_key_id"
            }
        }
    }

    /// A group's identity: the start of its hour (or day), its route and method, or its key.
    struct Group: Hashable {
        var start: Date?
        var route: String?
        var method: String?
        var apiKeyID: UUID?
    }

    /// What `totals` reads: a rollup's whole periods, or raw rows counted in or taken out.
    enum Piece: Equatable {
        case rollup(RequestLog.Rollup, from: Date, to: Date)
        case raw(from: Date, to: Date, subtracting: Bool)
    }

    /// How `[from, to)` is read: from the coarsest rollup of `rollups` (coarsest first) its whole
    /// periods, the rest at each end from the next finer one, and what the finest leaves — part of
    /// one of its periods at each end — from raw rows, read from the smaller side: the rows inside
    /// the range, or the period's rollup less the rows outside it. So at most half the finest
    /// period of rows is read at each end, whatever minute the range starts or ends.
    static func plan(from: Date, to: Date, rollups: ArraySlice<RequestLog.Rollup>) -> [Piece] {
        guard from < to, let rollup = rollups.first else { return [] }
        let seconds = Double(rollup.seconds)
        func start(of date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 / seconds).rounded(.down) * seconds) }
        let firstWhole = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / seconds).rounded(.up) * seconds)
        let lastWhole = start(of: to)
        let finer = rollups.dropFirst()
        if !finer.isEmpty {
            guard firstWhole < lastWhole else { return plan(from: from, to: to, rollups: finer) }
            return plan(from: from, to: firstWhole, rollups: finer) + [.rollup(rollup, from: firstWhole, to: lastWhole)]
                + plan(from: lastWhole, to: to, rollups: finer)
        }
        var pieces: [Piece] = []
        var lower = from
        while lower < to {
            let periodStart = start(of: lower)
            let periodEnd = periodStart.addingTimeInterval(seconds)
            if lower == periodStart, periodEnd <= to {
                pieces.append(.rollup(rollup, from: periodStart, to: lastWhole))
                lower = lastWhole
                continue
            }
            let upper = min(to, periodEnd)
            if upper.timeIntervalSince(lower) <= seconds / 2 {
                pieces.append(.raw(from: lower, to: upper, subtracting: false))
            } else {
                pieces.append(.rollup(rollup, from: periodStart, to: periodEnd))
                if periodStart < lower { pieces.append(.raw(from: periodStart, to: lower, subtracting: true)) }
                if upper < periodEnd { pieces.append(.raw(from: upper, to: periodEnd, subtracting: true)) }
            }
            lower = upper
        }
        return pieces
    }

    /// Totals per group over `[from, to)`, optionally for one key, read as `plan` says (days
    /// only when not grouped by hour). `live`: nothing after `to` is logged yet (it is now or
    /// later), so the range runs on to the end of the coarsest period that holds `to`, whose
    /// rollup the same writes keep current. All of it in one snapshot, so rows and rollups agree
    /// even while rows arrive.
    func totals(from: Date, to: Date, live: Bool = false, apiKeyID: UUID?, by grouping: Grouping) throws -> [Group: Totals] {
        do {
            return try totals(from: from, to: to, live: live, apiKeyID: apiKeyID, by: grouping, exactSums: false)
        } catch is SumBeyondDoublePrecision {
            return try totals(from: from, to: to, live: live, apiKeyID: apiKeyID, by: grouping, exactSums: true)
        }
    }

    /// A sum of rollup rows added up as doubles reached 2^53, past which doubles no longer count
    /// every integer: the figures are read again with MariaDB's exact (DECIMAL) sums.
    struct SumBeyondDoublePrecision: Error {}

    /// `exactSums`: sum rollup rows as MariaDB sums integers, in DECIMAL — exact at any size, and
    /// most of the query's time (converting each row's values to and from DECIMAL). Otherwise as
    /// doubles, exact for every integer below 2^53 (9 × 10^15): checked on every figure read.
    private func totals(from: Date, to: Date, live: Bool, apiKeyID: UUID?, by grouping: Grouping, exactSums: Bool) throws
        -> [Group: Totals]
    {
        var result: [Group: Totals] = [:]
        func merge(_ rows: [Row], subtracting: Bool = false) throws {
            for row in rows {
                let group = Group(
                    start: grouping == .hour || grouping == .day ? try row.decode(Date.self, "start") : nil,
                    route: grouping == .endpoint ? try row.decode(String.self, "route") : nil,
                    method: grouping == .endpoint ? try row.decode(String.self, "method") : nil,
                    apiKeyID: grouping == .apiKey ? try row.decode(UUID.self, "api_key_id") : nil)
                result[group, default: Totals()].add(try Self.decodeTotals(row, exactSums: exactSums), times: subtracting ? -1 : 1)
            }
        }
        let rollups = (grouping == .hour ? [RequestLog.hourly, RequestLog.fiveMinutes] : RequestLog.rollups.reversed())[...]
        var end = to
        if live, let coarsest = rollups.first {
            let seconds = Double(coarsest.seconds)
            end = Date(timeIntervalSince1970: (to.timeIntervalSince1970 / seconds).rounded(.up) * seconds)
        }
        let pieces = Self.plan(from: from, to: end, rollups: rollups)
        try scope.database.transaction {
            for piece in pieces {
                switch piece {
                case .rollup(let rollup, let lower, let upper):
                    try merge(try self.rollup(rollup, from: lower, to: upper, apiKeyID: apiKeyID, by: grouping, exactSums: exactSums))
                case .raw(let lower, let upper, let subtracting):
                    try merge(try raw(from: lower, to: upper, apiKeyID: apiKeyID, by: grouping), subtracting: subtracting)
                }
            }
        }
        // A group whose every request lay outside the range.
        return result.filter { $0.value.requests != 0 }
    }

    private static let counterColumns = [
        "requests", "errors_4xx", "errors_5xx", "throttled", "duration_us_sum", "request_bytes", "response_bytes",
    ]

    private func rollup(_ rollup: RequestLog.Rollup, from: Date, to: Date, apiKeyID: UUID?, by grouping: Grouping, exactSums: Bool)
        throws -> [Row]
    {
        guard from < to else { return [] }
        let period: SQL = "r.\(identifier: rollup.column)"
        var conditions: [SQL] = [scope.condition("r"), "\(period) >= \(from) AND \(period) < \(to)"]
        if let apiKeyID { conditions.append("r.api_key_id = \(apiKeyID)") }
        let sums = SQL.joined(
            (Self.counterColumns + RequestLog.latencyColumns).map {
                exactSums
                    ? "SUM(r.\(identifier: $0)) AS \(identifier: $0)" : "SUM(CAST(r.\(identifier: $0) AS DOUBLE)) AS \(identifier: $0)"
            }, separator: ", ")
        return try scope.rows(
            """
            SELECT \(grouping.rollupColumns(rollup)), \(sums) FROM \(identifier: rollup.table) r
            WHERE \(SQL.joined(conditions, separator: " AND ")) GROUP BY \(grouping.groupNames)
            """)
    }

    private func raw(from: Date, to: Date, apiKeyID: UUID?, by grouping: Grouping) throws -> [Row] {
        guard from < to else { return [] }
        var conditions: [SQL] = [scope.condition("request_log"), "request_log.occurred_at >= \(from) AND request_log.occurred_at < \(to)"]
        if let apiKeyID { conditions.append("request_log.api_key_id = \(apiKeyID)") }
        var bucketSums: [SQL] = []
        var lower: Int?
        for (index, column) in RequestLog.latencyColumns.enumerated() {
            if index < RequestLog.latencyBounds.count {
                let upper = RequestLog.latencyBounds[index]
                // The first bucket holds durations of 0 too, as `RequestLog.bucket(ofMicroseconds:)` counts them.
                bucketSums.append(
                    lower.map { "SUM(duration_us > \($0) AND duration_us <= \(upper)) AS \(identifier: column)" }
                        ?? "SUM(duration_us <= \(upper)) AS \(identifier: column)")
                lower = upper
            } else {
                bucketSums.append("SUM(duration_us > \(lower ?? 0)) AS \(identifier: column)")
            }
        }
        return try scope.rows(
            """
            SELECT \(grouping.rawColumns), COUNT(*) AS requests, SUM(status BETWEEN 400 AND 499) AS errors_4xx,
                SUM(status >= 500) AS errors_5xx, SUM(throttled) AS throttled, SUM(duration_us) AS duration_us_sum,
                SUM(request_bytes) AS request_bytes, SUM(response_bytes) AS response_bytes, \(SQL.joined(bucketSums, separator: ", "))
            FROM request_log WHERE \(SQL.joined(conditions, separator: " AND ")) GROUP BY \(grouping.groupNames)
            """)
    }

    private static func decodeTotals(_ row: Row, exactSums: Bool) throws -> Totals {
        func int(_ name: String) throws -> Int {
            if exactSums { return try row.decode(Int?.self, name) ?? 0 }
            let value = try row.decode(Double?.self, name) ?? 0
            guard abs(value) < 9_007_199_254_740_992 else { throw SumBeyondDoublePrecision() }
            return Int(value)
        }
        return Totals(
            requests: try int("requests"), errors4xx: try int("errors_4xx"), errors5xx: try int("errors_5xx"),
            throttled: try int("throttled"), durationMicroseconds: try int("duration_us_sum"),
            requestBytes: try int("request_bytes"), responseBytes: try int("response_bytes"),
            latency: try RequestLog.latencyColumns.map(int))
    }

    static func hour(containing date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
    }

    static func day(containing date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
    }

    // MARK: Raw rows

    struct LogFilter {
        var apiKeyID: UUID?
        var status: Int?
        var method: String?
        var route: String?
        var minimumDurationMicroseconds: Int?
    }

    /// Log rows in `[from, to)`, newest first (by time alone: a tie-breaker would make MariaDB sort
    /// every matching row of every partition instead of reading the index backwards). The count
    /// comes from the rollups when the filters allow (not by status or duration), so a page of a
    /// month of a busy organization costs no scan of its millions of rows; by status it counts
    /// through the (organization, status, time) index.
    func logs(from: Date, to: Date, live: Bool = false, _ filter: LogFilter, _ page: Pagination) throws -> (
        items: [RequestLog.Entry], count: Int
    ) {
        var conditions: [SQL] = [scope.condition("request_log"), "occurred_at >= \(from) AND occurred_at < \(to)"]
        if let apiKeyID = filter.apiKeyID { conditions.append("api_key_id = \(apiKeyID)") }
        if let status = filter.status { conditions.append("status = \(status)") }
        if let method = filter.method { conditions.append("method = \(method)") }
        if let route = filter.route { conditions.append("route = \(route)") }
        if let duration = filter.minimumDurationMicroseconds { conditions.append("duration_us >= \(duration)") }
        let condition = SQL.joined(conditions, separator: " AND ")
        let items = try scope.rows(
            """
            SELECT id, \(columns: RequestLog.columns) FROM request_log WHERE \(condition)
            ORDER BY occurred_at DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """
        ).map { try $0.decode(as: RequestLog.Entry.self) }
        let count: Int
        if filter.status == nil, filter.minimumDurationMicroseconds == nil {
            count = try totals(from: from, to: to, live: live, apiKeyID: filter.apiKeyID, by: .endpoint)
                .filter {
                    (filter.route == nil || $0.key.route == filter.route) && (filter.method == nil || $0.key.method == filter.method)
                }
                .reduce(0) { $0 + $1.value.requests }
        } else {
            count = try scope.rows("SELECT COUNT(*) FROM request_log WHERE \(condition)").first?.decode(as: Int.self) ?? 0
        }
        return (items, count)
    }
}
