import Foundation

/// ISO 8601 timestamps in UTC with second precision (`2026-11-24T17:51:43Z`), as the API documents them.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }

    /// Parses `2026-11-24T17:51:43Z`, also with fractional seconds or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}
