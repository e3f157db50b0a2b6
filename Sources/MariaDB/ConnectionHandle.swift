import CMariaDB

/// Connector/C needs one process-wide initialisation before the first handle. A global is
/// initialised lazily and exactly once, even when connections are created on several threads
/// (as the test runner does), which `mysql_init`'s implicit initialisation does not promise.
private let libraryInitialization: Int32 = mysql_server_init(0, nil, nil)

/// Owns one `MYSQL*` handle: connecting, session options and the text protocol.
///
/// Prepared statements keep a strong reference to their handle so the `MYSQL*` is closed only
/// after every `MYSQL_STMT*` created on it has been closed.
final class ConnectionHandle {
    let mysql: UnsafeMutablePointer<MYSQL>

    /// Opens a connection; throws a `.connection` error when the server cannot be reached or
    /// rejects the login.
    init(configuration: DatabaseConfiguration) throws(DatabaseError) {
        guard libraryInitialization == 0 else {
            throw DatabaseError(
                kind: .connection, code: UInt32(CR_UNKNOWN_ERROR), message: "could not initialise the MariaDB client library")
        }
        guard let mysql = mysql_init(nil) else {
            throw DatabaseError(kind: .connection, code: UInt32(CR_OUT_OF_MEMORY), message: "out of memory allocating a connection handle")
        }

        var connectTimeout = UInt32(clamping: configuration.connectTimeout)
        var readTimeout = UInt32(clamping: configuration.readTimeout)
        var writeTimeout = UInt32(clamping: configuration.writeTimeout)
        // Reconnection is done by `Connection`, which knows when a retry is safe; the library's
        // silent reconnect would lose session settings, prepared statements and transactions.
        var reconnect: my_bool = 0
        // Lets a fetch report MYSQL_DATA_TRUNCATED so long values are fetched in full.
        var reportTruncation: my_bool = 1
        // LOAD DATA LOCAL lets a malicious server read client files; nothing here needs it.
        var localInfile: UInt32 = 0
        mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout)
        mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout)
        mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout)
        mysql_options(mysql, MYSQL_OPT_RECONNECT, &reconnect)
        mysql_options(mysql, MYSQL_REPORT_DATA_TRUNCATION, &reportTruncation)
        mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &localInfile)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")

        // With a socket path, a nil host makes Connector/C use the unix socket; any other host
        // would silently switch to TCP.
        let host: String? = configuration.unixSocket == nil ? configuration.host : nil
        // CLIENT_FOUND_ROWS: affected rows count matched rows, so an UPDATE that writes the
        // values a row already has still reports that the row exists.
        let flags = UInt(CLIENT_FOUND_ROWS)
        let connected = mysql_real_connect(
            mysql, host, configuration.user, configuration.password, configuration.database,
            UInt32(clamping: configuration.port), configuration.unixSocket, flags
        )
        guard connected != nil else {
            let error = DatabaseError(connection: mysql, kind: .connection, sql: nil)
            mysql_close(mysql)
            throw error
        }
        self.mysql = mysql
    }

    deinit {
        mysql_close(mysql)
    }

    /// The server's id for this session (`CONNECTION_ID()`).
    var connectionID: UInt {
        mysql_thread_id(mysql)
    }

    var serverVersion: String {
        mysql_get_server_info(mysql).map { String(cString: $0) } ?? ""
    }

    /// Checks that the server still answers; returns the failure instead of throwing because a
    /// failed ping is an expected, handled outcome.
    func ping() -> DatabaseError? {
        guard mysql_ping(mysql) != 0 else { return nil }
        let error = DatabaseError(connection: mysql, kind: .connection, sql: nil)
        return DatabaseError(kind: .connection, code: error.code, sqlState: error.sqlState, message: error.message)
    }

    /// Runs one statement of our own (session setup, transaction control) through the text
    /// protocol, discarding any result. Never used with values from outside.
    func run(_ sql: String) throws(DatabaseError) {
        guard mysql_real_query(mysql, sql, UInt(sql.utf8.count)) == 0 else {
            throw DatabaseError(connection: mysql, kind: .statement, sql: sql)
        }
        try discardResult(sql: sql)
    }

    /// Runs a multi-statement script, consuming every result. Stops at the first failing
    /// statement — the server does not run the rest — and reports its 1-based position.
    func runScript(_ sql: String) throws(DatabaseError) {
        // Multi-statement mode is switched on only for the script so that no other text query
        // on this connection can carry a second, injected statement.
        guard mysql_set_server_option(mysql, MYSQL_OPTION_MULTI_STATEMENTS_ON) == 0 else {
            throw DatabaseError(connection: mysql, kind: .statement, sql: sql)
        }
        // If switching off fails the connection is broken, and the next use reports that.
        defer { _ = mysql_set_server_option(mysql, MYSQL_OPTION_MULTI_STATEMENTS_OFF) }

        var index = 1
        guard mysql_real_query(mysql, sql, UInt(sql.utf8.count)) == 0 else {
            throw scriptError(sql: sql, index: index)
        }
        while true {
            do {
                try discardResult(sql: sql)
            } catch {
                throw scriptError(sql: sql, index: index)
            }
            let status = mysql_next_result(mysql)
            if status < 0 {
                return
            }
            index += 1
            if status > 0 {
                throw scriptError(sql: sql, index: index)
            }
        }
    }

    /// Frees the current result set, if the statement produced one.
    private func discardResult(sql: String) throws(DatabaseError) {
        if let result = mysql_store_result(mysql) {
            mysql_free_result(result)
        } else if mysql_field_count(mysql) != 0 {
            throw DatabaseError(connection: mysql, kind: .statement, sql: sql)
        }
    }

    private func scriptError(sql: String, index: Int) -> DatabaseError {
        var error = DatabaseError(connection: mysql, kind: .statement, sql: sql)
        error.message = "statement \(index) of the script failed: \(error.message)"
        return error
    }
}
