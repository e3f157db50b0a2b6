import Foundation
import MariaDB

/// The monthly partitions of `request_log`: `pYYYYMM` holds the rows before the first day of the
/// next month (the oldest also everything earlier), `pfuture` whatever no month was split off for
/// yet. Old months are dropped whole — instant, however many rows — and coming months split off
/// `pfuture` while it is still empty for them.
public struct RequestLogPartitions {
    let database: Connection

    public init(database: Connection) { self.database = database }

    public struct Partition: Sendable, Equatable {
        public var name: String
        /// Rows are earlier than this; `nil` for `pfuture`.
        public var upperBound: Date?
        public var rows: Int
    }

    public func list() throws -> [Partition] {
        struct Described: Decodable {
            var name: String
            var bound: String?
            var tableRows: Int?
        }
        return try database.fetchAll(
            Described.self,
            """
            SELECT PARTITION_NAME AS name, PARTITION_DESCRIPTION AS bound, TABLE_ROWS AS table_rows FROM information_schema.PARTITIONS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'request_log' ORDER BY PARTITION_ORDINAL_POSITION
            """
        ).map { partition in
            let bound = partition.bound?.trimmingCharacters(in: CharacterSet(charactersIn: "'"))
            return Partition(name: partition.name, upperBound: bound.flatMap(Self.day), rows: partition.tableRows ?? 0)
        }
    }

    /// Drops the months that end before `cutoff`, and the five-minute rollups of their time;
    /// returns their names. The newest month is always kept; hourly and daily rollups stay.
    public func prune(before cutoff: Date) throws -> [String] {
        let months = try list().filter { $0.upperBound != nil }
        let old = months.dropLast().filter { $0.upperBound! <= cutoff }
        guard let end = old.last?.upperBound else { return [] }
        try database.execute("ALTER TABLE request_log DROP PARTITION \(columns: old.map(\.name))")
        // In slices, so no single transaction holds a month of locks.
        while try database.execute("DELETE FROM request_log_5min WHERE minute < \(end) LIMIT 10000").affectedRows == 10_000 {}
        return old.map(\.name)
    }

    /// Splits months off `pfuture` so the current month and `monthsAhead` more have their own
    /// partition; returns the names added.
    @discardableResult
    public func ensure(monthsAhead: Int = 3, now: Date = .now) throws -> [String] {
        let existing = try list()
        let last = existing.compactMap(\.upperBound).max()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let thisMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: now)),
            let target = calendar.date(byAdding: .month, value: monthsAhead + 1, to: thisMonth)
        else { return [] }
        var start = last ?? thisMonth
        var added: [(name: String, bound: String)] = []
        while start < target, let next = calendar.date(byAdding: .month, value: 1, to: start) {
            let parts = calendar.dateComponents([.year, .month], from: start)
            added.append((String(format: "p%04d%02d", parts.year!, parts.month!), Self.dayText(next)))
            start = next
        }
        guard !added.isEmpty else { return [] }
        // DDL takes no placeholders: names and bounds are written from the calendar, never from input.
        let definitions = added.map { "PARTITION \($0.name) VALUES LESS THAN ('\($0.bound)')" }
        try database.execute(
            sql: """
                ALTER TABLE request_log REORGANIZE PARTITION pfuture INTO (\(definitions.joined(separator: ", ")),
                    PARTITION pfuture VALUES LESS THAN (MAXVALUE))
                """)
        return added.map(\.name)
    }

    private static func day(_ text: String) -> Date? {
        let parts = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    private static func dayText(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
