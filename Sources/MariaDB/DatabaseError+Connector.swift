import CMariaDB

/// The one place where Connector/C error state becomes a `DatabaseError`.
extension DatabaseError {
    /// The error last recorded on a connection handle.
    init(connection mysql: UnsafeMutablePointer<MYSQL>, kind: Kind, sql: String?, bindings: [DatabaseValue] = []) {
        self.init(
            connectorCode: mysql_errno(mysql),
            sqlState: mysql_sqlstate(mysql).map { String(cString: $0) } ?? "",
            message: mysql_error(mysql).map { String(cString: $0) } ?? "",
            kind: kind,
            sql: sql,
            bindings: bindings
        )
    }

    /// The error last recorded on a prepared statement handle.
    init(statement stmt: UnsafeMutablePointer<MYSQL_STMT>, sql: String, bindings: [DatabaseValue]) {
        self.init(
            connectorCode: mysql_stmt_errno(stmt),
            sqlState: mysql_stmt_sqlstate(stmt).map { String(cString: $0) } ?? "",
            message: mysql_stmt_error(stmt).map { String(cString: $0) } ?? "",
            kind: .statement,
            sql: sql,
            bindings: bindings
        )
    }

    /// Maps a raw error: a lost connection is always of kind `.connection` whatever the call,
    /// and the message is redacted so no bound value survives in it.
    init(connectorCode: UInt32, sqlState: String, message: String, kind: Kind, sql: String?, bindings: [DatabaseValue]) {
        let code = connectorCode == 0 ? UInt32(CR_UNKNOWN_ERROR) : connectorCode
        let effectiveKind = Self.connectionLostCodes.contains(code) ? .connection : kind
        self.init(
            kind: effectiveKind,
            code: code,
            sqlState: sqlState,
            message: Self.redact(message.isEmpty ? "unknown error" : message, code: code, bindings: bindings),
            sql: sql
        )
    }

    /// Removes data the server echoes into its messages.
    ///
    /// Messages known to quote a value have the quoted part replaced by `?` (the quote may be
    /// truncated by the server, so matching the bound value alone would not be enough). As a
    /// backstop, any bound text of four or more characters still present is replaced as well.
    static func redact(_ message: String, code: UInt32, bindings: [DatabaseValue]) -> String {
        var result = message
        switch code {
        case 1062, 1586:  // Duplicate entry '%T' for key '%s'
            result = redactQuoted(in: result, opening: "entry '", closings: ["' for key"])
        case 1292, 1366, 1411, 1525:  // Incorrect/Truncated incorrect %s value: '%T' [for column|function …]
            result = redactQuoted(in: result, opening: "value: '", closings: ["' for column", "' for function", "'"])
        case 1367:  // Illegal %s '%T' value found during parsing
            result = redactQuoted(in: result, opening: " '", closings: ["' value found"])
        case 1690:  // %s value is out of range in '%s' (the expression may print a parameter's value)
            result = redactQuoted(in: result, opening: "out of range in '", closings: ["'"])
        default:
            break
        }
        for value in bindings {
            guard let text = value.redactableText, text.count >= 4 else { continue }
            result = result.replacing(text, with: "?")
        }
        return result
    }

    /// Replaces the text between the first `opening` and the last occurrence of the first
    /// `closings` entry found after it.
    private static func redactQuoted(in message: String, opening: String, closings: [String]) -> String {
        guard let open = message.firstRange(of: opening) else { return message }
        let rest = message[open.upperBound...]
        for closing in closings {
            if let close = rest.ranges(of: closing).last {
                return String(message[..<open.upperBound]) + "?" + String(message[close.lowerBound...])
            }
        }
        return message
    }
}

extension DatabaseValue {
    /// The textual form of a bound value that a server message could echo.
    fileprivate var redactableText: String? {
        switch self {
        case .text(let text):
            return text
        case .blob(let bytes):
            return String(validating: bytes, as: UTF8.self)
        default:
            return nil
        }
    }
}
