#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Swift type that can be bound as a parameter and decoded from a column.
///
/// Decoding throws a `DatabaseError` of kind `.decoding` when the value has the wrong type or
/// does not fit; the error names the types, never the value. Numeric types also accept text that
/// parses exactly, because MariaDB returns DECIMAL results (`SUM`, `AVG` of integers) as text.
public protocol DatabaseValueConvertible {
    init(databaseValue: DatabaseValue) throws
    var databaseValue: DatabaseValue { get }
}

extension DatabaseValue: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) {
        self = databaseValue
    }

    public var databaseValue: DatabaseValue { self }
}

extension DatabaseValue {
    /// Integer decoding shared by every integer type: exact conversions only.
    fileprivate func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch self {
        case .int(let value):
            guard let exact = T(exactly: value) else { throw DatabaseError.outOfRange(T.self, found: self) }
            return exact
        case .uint(let value):
            guard let exact = T(exactly: value) else { throw DatabaseError.outOfRange(T.self, found: self) }
            return exact
        case .text(let text):
            guard let parsed = T(text) else { throw DatabaseError.typeMismatch(T.self, found: self) }
            return parsed
        default:
            throw DatabaseError.typeMismatch(T.self, found: self)
        }
    }
}

extension Int64: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        self = try databaseValue.integer(Int64.self)
    }

    public var databaseValue: DatabaseValue { .int(self) }
}

extension Int: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        self = try databaseValue.integer(Int.self)
    }

    public var databaseValue: DatabaseValue { .int(Int64(self)) }
}

extension Int32: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        self = try databaseValue.integer(Int32.self)
    }

    public var databaseValue: DatabaseValue { .int(Int64(self)) }
}

extension UInt64: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        self = try databaseValue.integer(UInt64.self)
    }

    public var databaseValue: DatabaseValue { .uint(self) }
}

extension Double: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        switch databaseValue {
        case .double(let value):
            self = value
        case .int(let value):
            self = Double(value)
        case .uint(let value):
            self = Double(value)
        case .text(let text):
            guard let parsed = Double(text) else { throw DatabaseError.typeMismatch(Double.self, found: databaseValue) }
            self = parsed
        default:
            throw DatabaseError.typeMismatch(Double.self, found: databaseValue)
        }
    }

    public var databaseValue: DatabaseValue { .double(self) }
}

extension Bool: DatabaseValueConvertible {
    /// Decodes integer columns (BOOLEAN is TINYINT(1) in MariaDB, BIT(1) arrives as an integer):
    /// zero is false, anything else true.
    public init(databaseValue: DatabaseValue) throws {
        switch databaseValue {
        case .int(let value):
            self = value != 0
        case .uint(let value):
            self = value != 0
        default:
            throw DatabaseError.typeMismatch(Bool.self, found: databaseValue)
        }
    }

    public var databaseValue: DatabaseValue { .int(self ? 1 : 0) }
}

extension String: DatabaseValueConvertible {
    /// Decodes text, and binary values that are valid UTF-8 (MariaDB types some string
    /// expressions over binary operands as VARBINARY).
    public init(databaseValue: DatabaseValue) throws {
        switch databaseValue {
        case .text(let text):
            self = text
        case .blob(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw DatabaseError(kind: .decoding, message: "cannot decode String from blob: not valid UTF-8")
            }
            self = text
        default:
            throw DatabaseError.typeMismatch(String.self, found: databaseValue)
        }
    }

    public var databaseValue: DatabaseValue { .text(self) }
}

extension Array: DatabaseValueConvertible where Element == UInt8 {
    /// Decodes binary values, and text as its UTF-8 bytes.
    public init(databaseValue: DatabaseValue) throws {
        switch databaseValue {
        case .blob(let bytes):
            self = bytes
        case .text(let text):
            self = Array(text.utf8)
        default:
            throw DatabaseError.typeMismatch([UInt8].self, found: databaseValue)
        }
    }

    public var databaseValue: DatabaseValue { .blob(self) }
}

extension Date: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        guard case .datetime(let date) = databaseValue else {
            throw DatabaseError.typeMismatch(Date.self, found: databaseValue)
        }
        self = date
    }

    public var databaseValue: DatabaseValue { .datetime(self) }
}

extension UUID: DatabaseValueConvertible {
    /// Decodes the canonical text form (MariaDB's UUID column type returns text), or 16 raw bytes
    /// from a BINARY(16) column.
    public init(databaseValue: DatabaseValue) throws {
        switch databaseValue {
        case .text(let text):
            guard let uuid = UUID(uuidString: text) else {
                throw DatabaseError(kind: .decoding, message: "cannot decode UUID from text: not a UUID")
            }
            self = uuid
        case .blob(let bytes) where bytes.count == 16:
            self = UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                ))
        default:
            throw DatabaseError.typeMismatch(UUID.self, found: databaseValue)
        }
    }

    /// The lowercase canonical form, which is how MariaDB's UUID type prints and compares.
    public var databaseValue: DatabaseValue { .text(uuidString.lowercased()) }
}

extension Optional: DatabaseValueConvertible where Wrapped: DatabaseValueConvertible {
    public init(databaseValue: DatabaseValue) throws {
        if case .null = databaseValue {
            self = .none
        } else {
            self = .some(try Wrapped(databaseValue: databaseValue))
        }
    }

    public var databaseValue: DatabaseValue {
        switch self {
        case .none: .null
        case .some(let wrapped): wrapped.databaseValue
        }
    }
}
