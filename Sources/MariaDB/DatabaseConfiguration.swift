/// Where and how to connect to MariaDB.
///
/// `description` and reflection never show the password, so a configuration can be logged.
public struct DatabaseConfiguration: Sendable, Hashable {
    /// Host name or address for TCP; ignored when `unixSocket` is set. With Connector/C, the
    /// host `localhost` without a socket path means the default unix socket; use `127.0.0.1`
    /// to force TCP.
    public var host: String
    public var port: Int
    public var user: String
    /// Nil when the account has no password.
    public var password: String?
    public var database: String
    /// Path of the server's unix socket; when set, TCP host and port are not used.
    public var unixSocket: String?
    /// Seconds to wait for the connection to be established.
    public var connectTimeout: Int
    /// Seconds to wait for each read from the server; a statement whose answer takes longer
    /// fails as a lost connection.
    public var readTimeout: Int
    /// Seconds to wait for each write to the server.
    public var writeTimeout: Int
    /// The isolation of this session's transactions; `nil` keeps the server's (REPEATABLE READ).
    public var isolation: TransactionIsolation?

    /// Transaction isolation levels a session may ask for.
    public enum TransactionIsolation: String, Sendable {
        case repeatableRead = "REPEATABLE READ"
        /// No gap locks on reads: transactions that delete and insert rows in one index range
        /// do not block (or deadlock with) each other's inserts.
        case readCommitted = "READ COMMITTED"
    }

    public static let defaultPort = 3306

    public init(
        host: String = "localhost",
        port: Int = DatabaseConfiguration.defaultPort,
        user: String,
        password: String? = nil,
        database: String,
        unixSocket: String? = nil,
        connectTimeout: Int = 3,
        readTimeout: Int = 30,
        writeTimeout: Int = 30
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.unixSocket = unixSocket
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
    }

    /// Parses `mariadb://user:password@host:port/database` or
    /// `mariadb://user@localhost/database?socket=/path/to.sock` (scheme `mysql://` also accepted).
    ///
    /// User, password, database and query values are percent-decoded, so a password containing
    /// `@`, `:` or `/` must be written percent-encoded. Optional query parameters: `socket`,
    /// `connect_timeout`, `read_timeout`, `write_timeout` (seconds). Unknown parameters are
    /// rejected so a typo does not silently fall back to a default. Errors never quote the URL,
    /// which holds the password.
    public init(url: String) throws {
        func invalid(_ reason: String) -> DatabaseError {
            DatabaseError(kind: .configuration, message: "invalid database URL: \(reason)")
        }

        guard let schemeEnd = url.firstRange(of: "://") else { throw invalid("expected mariadb://user@host/database") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "mariadb" || scheme == "mysql" else {
            throw invalid("scheme must be mariadb:// or mysql://")
        }
        var rest = url[schemeEnd.upperBound...]
        guard !rest.contains("#") else { throw invalid("fragments are not allowed") }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw invalid("missing database name") }
        let authority = rest[..<slash]
        let path = rest[rest.index(after: slash)...]

        // The last "@" separates credentials, so an unencoded "@" in a password still parses.
        guard let at = authority.lastIndex(of: "@") else { throw invalid("missing user") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let rawUser: Substring
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            rawUser = userInfo[..<colon]
            guard let decoded = Self.percentDecode(userInfo[userInfo.index(after: colon)...]) else {
                throw invalid("password is not valid percent-encoded UTF-8")
            }
            password = decoded
        } else {
            rawUser = userInfo
        }
        guard let user = Self.percentDecode(rawUser), !user.isEmpty else { throw invalid("missing user") }

        var host = "localhost"
        var port = Self.defaultPort
        var hostPart = hostPort
        var portPart: Substring?
        if hostPort.hasPrefix("[") {
            // IPv6 literal: [::1]:3306
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            hostPart = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let afterClose = hostPort[hostPort.index(after: close)...]
            if !afterClose.isEmpty {
                guard afterClose.hasPrefix(":") else { throw invalid("unexpected text after IPv6 address") }
                portPart = afterClose.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            hostPart = hostPort[..<colon]
            portPart = hostPort[hostPort.index(after: colon)...]
        }
        if !hostPart.isEmpty {
            host = String(hostPart)
        }
        if let portPart {
            guard let parsed = Int(portPart), (1...65_535).contains(parsed) else { throw invalid("port must be 1–65535") }
            port = parsed
        }

        guard let database = Self.percentDecode(path), !database.isEmpty else { throw invalid("missing database name") }
        guard !database.contains("/") else { throw invalid("database name must not contain '/'") }

        self.init(host: host, port: port, user: user, password: password, database: database)

        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard parts.count == 2, let value = Self.percentDecode(parts[1]), !value.isEmpty else {
                throw invalid("parameter '\(key)' needs a value")
            }
            switch key {
            case "socket":
                unixSocket = value
            case "connect_timeout", "read_timeout", "write_timeout":
                guard let seconds = Int(value), seconds > 0 else { throw invalid("'\(key)' must be a positive number of seconds") }
                switch key {
                case "connect_timeout": connectTimeout = seconds
                case "read_timeout": readTimeout = seconds
                default: writeTimeout = seconds
                }
            default:
                throw invalid("unknown parameter '\(key)'")
            }
        }
    }

    /// Decodes `%XX` escapes; nil when an escape is malformed or the bytes are not UTF-8.
    private static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension DatabaseConfiguration: CustomStringConvertible, CustomReflectable {
    /// The URL form with the password masked, e.g. `mariadb://app:***@db:3306/companin`.
    public var description: String {
        var text = "mariadb://\(user)"
        if password != nil {
            text += ":***"
        }
        text += "@"
        if let unixSocket {
            text += "\(host)/\(database)?socket=\(unixSocket)"
        } else {
            let printedHost = host.contains(":") ? "[\(host)]" : host
            text += "\(printedHost):\(port)/\(database)"
        }
        return text
    }

    /// Keeps the password out of `dump` and debugger output too.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "user": user, "password": password == nil ? "nil" : "***",
                "database": database, "unixSocket": unixSocket as Any,
                "connectTimeout": connectTimeout, "readTimeout": readTimeout, "writeTimeout": writeTimeout,
            ], displayStyle: .struct)
    }
}
