#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One column value or bound parameter, typed the way the binary protocol carries it.
///
/// Decoding from result columns:
/// - signed integer columns (TINYINT … BIGINT, YEAR, BIT) → `.int`; UNSIGNED columns → `.uint`;
/// - FLOAT/DOUBLE → `.double`; DECIMAL → `.text` (exact, never rounded through a Double);
/// - DATETIME/TIMESTAMP → `.datetime` in UTC with microseconds; DATE → `.datetime` at midnight UTC;
///   TIME → `.text`;
/// - character columns (CHAR, VARCHAR, TEXT, JSON, ENUM, SET, UUID) → `.text`; binary columns
///   (BINARY, VARBINARY, BLOB, GEOMETRY) → `.blob`.
public enum DatabaseValue: Sendable, Hashable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    /// A point in time; stored in DATETIME/TIMESTAMP columns as UTC with microsecond precision.
    case datetime(Date)

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The name of the case, used in error messages instead of the value itself.
    var typeName: String {
        switch self {
        case .null: "NULL"
        case .int: "integer"
        case .uint: "unsigned integer"
        case .double: "double"
        case .text: "text"
        case .blob: "blob"
        case .datetime: "datetime"
        }
    }
}

extension DatabaseValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self = .text(value)
    }
}

extension DatabaseValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension DatabaseValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension DatabaseValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) {
        self = .int(value ? 1 : 0)
    }
}
