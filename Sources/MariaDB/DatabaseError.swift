/// An error from MariaDB, the connector, or this module.
///
/// It carries what a human needs to act — the error number, SQLSTATE, message and the statement
/// text — but never bound values: messages from the server that echo data (duplicate entries,
/// incorrect values) are redacted before they get here, so an error can be logged as is.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// Where the error arose.
    public enum Kind: String, Sendable, Hashable {
        /// Connecting failed (unreachable server, refused login, failed session setup) or an
        /// established connection was lost. Either way the database is unavailable to this
        /// request: answer 503. The next use of the connection tries to reconnect.
        case connection
        /// The server or the connector rejected a statement.
        case statement
        /// A column value could not be converted to the requested Swift type.
        case decoding
        /// A migration file is invalid, changed after being applied, or failed to apply.
        case migration
        /// A database URL or configuration value is invalid.
        case configuration
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// The server error number (1000–1999, 3000+) or connector error number (2000–2999); 0 when
    /// the error comes from this module rather than from MariaDB.
    public var code: UInt32
    /// The five-character SQLSTATE reported with the error, or an empty string.
    public var sqlState: String
    /// The error message, with any echoed values redacted.
    public var message: String
    /// The statement text (with `?` placeholders, never the bound values), if a statement failed.
    public var sql: String?

    public init(kind: Kind, code: UInt32 = 0, sqlState: String = "", message: String, sql: String? = nil) {
        self.kind = kind
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    /// Error numbers that mean the connection is gone and a new one is needed.
    static let connectionLostCodes: Set<UInt32> = [
        1053,  // ER_SERVER_SHUTDOWN
        1927,  // ER_CONNECTION_KILLED
        2002,  // CR_CONNECTION_ERROR
        2003,  // CR_CONN_HOST_ERROR
        2006,  // CR_SERVER_GONE_ERROR
        2013,  // CR_SERVER_LOST
        2055,  // CR_SERVER_LOST_EXTENDED
    ]

    /// True when the connection was lost or could not be established; the caller should answer
    /// "service unavailable", and the next use of the connection reconnects.
    public var isConnectionLost: Bool {
        Self.connectionLostCodes.contains(code)
    }

    /// True when the connector could not send the statement at all (`CR_SERVER_GONE_ERROR`: the
    /// session was already closed, or writing the command failed), so the server never ran it.
    /// A connection lost while waiting for the reply is `CR_SERVER_LOST`, which may have run.
    public var wasNeverSent: Bool {
        code == 2006
    }

    /// True for a unique or primary key violation (ER_DUP_ENTRY).
    public var isDuplicateKey: Bool {
        code == 1062 || code == 1586
    }

    /// True when a foreign key constraint rejected the statement: a referenced row is missing
    /// (1452) or a row is still referenced (1451).
    public var isForeignKeyViolation: Bool {
        code == 1451 || code == 1452
    }

    /// True when the transaction lost a deadlock (1213) or timed out waiting for a lock (1205);
    /// retrying the whole transaction is usually the right answer.
    public var isDeadlock: Bool {
        code == 1213 || code == 1205
    }

    /// Longest statement text shown in `description`; migrations can be long.
    private static let maximumDescribedSQLLength = 2_000

    public var description: String {
        var text = "\(kind.rawValue) error"
        if code != 0 {
            text += " \(code)"
        }
        if !sqlState.isEmpty {
            text += " (\(sqlState))"
        }
        text += ": \(message)"
        if let sql {
            if sql.count > Self.maximumDescribedSQLLength {
                text += " [sql: \(sql.prefix(Self.maximumDescribedSQLLength))…]"
            } else {
                text += " [sql: \(sql)]"
            }
        }
        return text
    }
}

extension DatabaseError {
    /// A decoding failure that names the Swift type and the kind of value found, never the value.
    static func typeMismatch(_ type: Any.Type, found value: DatabaseValue) -> DatabaseError {
        DatabaseError(kind: .decoding, message: "cannot decode \(type) from \(value.typeName)")
    }

    /// A decoding failure for a value of the right kind but outside the target type's range.
    static func outOfRange(_ type: Any.Type, found value: DatabaseValue) -> DatabaseError {
        DatabaseError(kind: .decoding, message: "\(value.typeName) value is out of range for \(type)")
    }
}
