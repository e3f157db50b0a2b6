import Foundation

/// ISO 8601 timestamps in UTC with second precision (`2026-11-24T17:51:43Z`), as the API documents them.
public enum Timestamp {
    /// The times the API accepts from clients: the Unix epoch to the end of year 9999 (the
    /// database's `DATETIME` ends there).
    public static let range = Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 253_402_300_799)

    public static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }

    /// Parses `2026-11-24T17:51:43Z`, also with fractional seconds or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}
