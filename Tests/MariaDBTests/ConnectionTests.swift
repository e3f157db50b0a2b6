import Foundation
import MariaDB
import Synchronization
import Testing

@Suite("Connection", .enabled(if: TestDatabase.isAvailable))
struct ConnectionTests {
    @Test func connectsLazilyAndSetsUpTheSession() throws {
        let connection = try TestDatabase.connection()
        #expect(!connection.isConnected)
        let row = try #require(
            try connection.query(
                sql:
                    "SELECT @@session.time_zone AS tz, @@session.sql_mode AS mode, @@session.collation_connection AS collation, @@session.character_set_client AS charset"
            ).first)
        #expect(connection.isConnected)
        #expect(row["tz"] == .text("+00:00"))
        #expect(row["collation"] == .text("utf8mb4_unicode_ci"))
        #expect(row["charset"] == .text("utf8mb4"))
        let mode = try row.decode(String.self, "mode")
        for flag in ["STRICT_ALL_TABLES", "NO_ZERO_DATE", "NO_ZERO_IN_DATE", "ERROR_FOR_DIVISION_BY_ZERO", "NO_ENGINE_SUBSTITUTION"] {
            #expect(mode.contains(flag))
        }
        connection.close()
        #expect(!connection.isConnected)
        try connection.connect()
        #expect(connection.isConnected)
    }

    @Test func aSessionCanAskForReadCommitted() throws {
        #expect(
            try TestDatabase.connection().query(sql: "SELECT @@session.tx_isolation AS level").first?["level"] == .text("REPEATABLE-READ"))
        var configuration = try TestDatabase.configuration()
        configuration.isolation = .readCommitted
        let connection = Connection(configuration: configuration, logger: TestDatabase.logger)
        #expect(try connection.query(sql: "SELECT @@session.tx_isolation AS level").first?["level"] == .text("READ-COMMITTED"))
        connection.close()
        // A new session asks again.
        #expect(try connection.query(sql: "SELECT @@session.tx_isolation AS level").first?["level"] == .text("READ-COMMITTED"))
    }

    @Test func failedConnectionThrowsConnectionError() throws {
        var configuration = try TestDatabase.configuration()
        configuration.unixSocket = "/nonexistent/\(UUID().uuidString).sock"
        configuration.host = "localhost"
        let connection = Connection(configuration: configuration, logger: TestDatabase.logger)
        do {
            try connection.connect()
            Issue.record("connecting to a missing socket should fail")
        } catch let error as DatabaseError {
            #expect(error.kind == .connection)
            #expect(error.isConnectionLost)
        }
        #expect(!connection.isConnected)
    }

    @Test func duplicateKeyErrorShowsSQLButNeverValues() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("dup")
        try connection.execute(
            sql: "CREATE TABLE \(table) (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(200) NOT NULL, UNIQUE KEY email_unique (email))")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }

        let insert = "INSERT INTO \(table) (email) VALUES (?)"
        let secret = "secret-alice@example.com"
        try connection.execute(sql: insert, [.text(secret)])
        do {
            try connection.execute(sql: insert, [.text(secret)])
            Issue.record("the second insert should fail")
        } catch let error as DatabaseError {
            #expect(error.isDuplicateKey)
            #expect(error.code == 1062)
            #expect(error.sqlState == "23000")
            #expect(error.kind == .statement)
            #expect(error.sql == insert)
            #expect(error.description.contains(insert))
            #expect(error.description.contains("email_unique"))
            #expect(!error.description.contains("secret-alice"))
            #expect(!error.message.contains("secret-alice"))
            #expect(!"\(error)".contains("example.com"))
        }
        // The same statement still works after the failure.
        try connection.execute(sql: insert, [.text("bob@example.com")])
        #expect(try connection.query(sql: "SELECT COUNT(*) AS n FROM \(table)").first?.decode(Int.self, "n") == 2)
    }

    @Test func incorrectValueErrorsAreRedacted() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("strict")
        try connection.execute(sql: "CREATE TABLE \(table) (n INT NOT NULL, d DATE NULL)")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        do {
            try connection.execute(sql: "INSERT INTO \(table) (n) VALUES (?)", [.text("top-secret-number")])
            Issue.record("strict mode should reject text in an INT column")
        } catch let error as DatabaseError {
            #expect(error.code == 1366)
            #expect(!error.description.contains("top-secret"))
            #expect(error.description.contains("INSERT INTO"))
        }
        do {
            try connection.execute(sql: "INSERT INTO \(table) (n, d) VALUES (1, ?)", [.text("2024-13-45 secret")])
            Issue.record("strict mode should reject a bad date")
        } catch let error as DatabaseError {
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func foreignKeyViolationIsClassified() throws {
        let connection = try TestDatabase.connection()
        let parent = TestDatabase.uniqueName("parent")
        let child = TestDatabase.uniqueName("child")
        try connection.execute(sql: "CREATE TABLE \(parent) (id INT PRIMARY KEY) ENGINE=InnoDB")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(parent)") }
        try connection.execute(
            sql:
                "CREATE TABLE \(child) (id INT PRIMARY KEY, parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES \(parent) (id)) ENGINE=InnoDB"
        )
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(child)") }
        try connection.execute(sql: "INSERT INTO \(parent) (id) VALUES (1)")
        try connection.execute(sql: "INSERT INTO \(child) (id, parent_id) VALUES (1, 1)")
        do {
            try connection.execute(sql: "INSERT INTO \(child) (id, parent_id) VALUES (?, ?)", [2, 987_654])
            Issue.record("missing parent should fail")
        } catch let error as DatabaseError {
            #expect(error.isForeignKeyViolation)
            #expect(error.code == 1452)
        }
        do {
            try connection.execute(sql: "DELETE FROM \(parent) WHERE id = ?", [1])
            Issue.record("referenced parent should not be deletable")
        } catch let error as DatabaseError {
            #expect(error.isForeignKeyViolation)
            #expect(error.code == 1451)
        }
    }

    @Test func affectedRowsCountMatchedRows() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("affected")
        try connection.execute(sql: "CREATE TABLE \(table) (id INT PRIMARY KEY, name VARCHAR(20))")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try connection.execute(sql: "INSERT INTO \(table) VALUES (1, 'a'), (2, 'b')")
        let unchanged = try connection.execute(sql: "UPDATE \(table) SET name = ? WHERE id = ?", ["a", 1])
        #expect(unchanged.affectedRows == 1)
        let missing = try connection.execute(sql: "UPDATE \(table) SET name = ? WHERE id = ?", ["a", 3])
        #expect(missing.affectedRows == 0)
    }

    @Test func transactionCommitsAndRollsBack() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("tx")
        try connection.execute(sql: "CREATE TABLE \(table) (id INT PRIMARY KEY) ENGINE=InnoDB")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        struct Abort: Error {}

        let value = try connection.transaction {
            try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [1])
            return 42
        }
        #expect(value == 42)

        #expect(throws: Abort.self) {
            try connection.transaction {
                try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [2])
                throw Abort()
            }
        }
        // A failing statement rolls back the earlier ones.
        #expect(throws: DatabaseError.self) {
            try connection.transaction {
                try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [3])
                try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [1])
            }
        }
        // A nested failure caught by the outer body undoes only the nested work.
        try connection.transaction {
            try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [4])
            do {
                try connection.transaction {
                    try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [5])
                    throw Abort()
                }
            } catch is Abort {}
            try connection.transaction {
                try connection.execute(sql: "INSERT INTO \(table) (id) VALUES (?)", [6])
            }
        }

        let other = try TestDatabase.connection()
        let ids = try other.query(sql: "SELECT id FROM \(table) ORDER BY id").map { try $0.decode(Int.self, "id") }
        #expect(ids == [1, 4, 6])
    }

    @Test func preparedStatementsAreReused() throws {
        let connection = try TestDatabase.connection()
        func prepares() throws -> Int {
            try connection.query(sql: "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").first?.decode(Int.self, "Value") ?? -1
        }
        let before = try prepares()
        for number in 1...5 {
            let rows = try connection.query(sql: "SELECT ? + 1 AS next", [.int(Int64(number))])
            #expect(rows.first?["next"] == .int(Int64(number + 1)))
        }
        // One prepare for the SELECT; the status query itself was already cached.
        #expect(try prepares() - before == 1)
    }

    @Test func statementCacheEvictsBeyondItsBound() throws {
        let connection = try TestDatabase.connection()
        for number in 0..<200 {
            #expect(try connection.query(sql: "SELECT \(number) AS n").first?["n"] == .int(Int64(number)))
        }
        // Com_stmt_close is per session (Prepared_stmt_count is server-wide and sees parallel tests):
        // every statement pushed out of the bounded cache must have been closed on the server.
        let closed = try connection.query(sql: "SHOW SESSION STATUS LIKE 'Com_stmt_close'").first?.decode(Int.self, "Value") ?? 0
        #expect(closed >= 200 - 128)
    }

    @Test func scriptRunsEveryStatementAndReportsTheFailingOne() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("script")
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }
        try connection.executeScript(
            """
            -- a comment
            CREATE TABLE \(table) (id INT PRIMARY KEY, note VARCHAR(50));
            INSERT INTO \(table) VALUES (1, 'one; with a semicolon');
            SELECT * FROM \(table);
            INSERT INTO \(table) VALUES (2, 'two');
            """)
        #expect(try connection.query(sql: "SELECT COUNT(*) AS n FROM \(table)").first?.decode(Int.self, "n") == 2)

        do {
            try connection.executeScript(
                """
                INSERT INTO \(table) VALUES (3, 'three');
                SELECT 1;
                INSERT INTO \(table) VALUES (1, 'duplicate');
                INSERT INTO \(table) VALUES (4, 'never');
                """)
            Issue.record("the script should fail")
        } catch let error as DatabaseError {
            #expect(error.isDuplicateKey)
            #expect(error.message.contains("statement 3"))
        }
        let ids = try connection.query(sql: "SELECT id FROM \(table) ORDER BY id").map { try $0.decode(Int.self, "id") }
        #expect(ids == [1, 2, 3])

        // The session is in sync again after the failed script.
        #expect(try connection.query(sql: "SELECT ? AS v", ["ok"]).first?["v"] == .text("ok"))
    }

    @Test func aTransactionThatLosesADeadlockRunsOnceMore() throws {
        let table = "deadlock_probe_\(UInt32.random(in: 0...UInt32.max))"
        let setup = try TestDatabase.connection()
        try setup.execute(sql: "CREATE TABLE \(table) (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB")
        defer { _ = try? setup.execute(sql: "DROP TABLE \(table)") }
        try setup.execute(sql: "INSERT INTO \(table) VALUES (1, 0), (2, 0)")

        // Each locks one row, waits until the other holds the other row, then asks for it: InnoDB
        // refuses one of them with 1213. Only first runs wait, so the retried one goes straight through.
        let probe = DeadlockProbe(table: table)
        let failure = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            do { try probe.cross(try TestDatabase.connection(), 0, mine: 1, theirs: 2) } catch {
                failure.withLock { $0 = "\(error)" }
            }
            done.signal()
        }.start()
        try probe.cross(try TestDatabase.connection(), 1, mine: 2, theirs: 1)
        done.wait()
        #expect(failure.withLock { $0 } == nil)
        // Both committed, each row once per transaction, and exactly one of them ran twice.
        #expect(probe.runs.withLock { $0.sorted() } == [1, 2])
        let counts = try setup.query(sql: "SELECT n FROM \(table) ORDER BY id").map { try $0.decode(Int64.self, "n") }
        #expect(counts == [2, 2])
    }

    @Test func reconnectsAfterTheSessionIsKilled() throws {
        let connection = try TestDatabase.connection()
        let killer = try TestDatabase.connection()
        func sessionID() throws -> Int64 {
            try #require(try connection.query(sql: "SELECT CONNECTION_ID() AS id").first).decode(Int64.self, "id")
        }
        func kill(_ id: Int64) throws {
            try killer.execute(sql: "KILL CONNECTION \(id)")
            // KILL returns before the victim's socket is closed.
            Thread.sleep(forTimeInterval: 0.2)
        }

        // Idle longer than validationInterval: ping, reconnect, and the statement succeeds.
        let first = try sessionID()
        #expect(connection.connectionID == UInt(first))
        try kill(first)
        connection.validationInterval = .zero
        let second = try sessionID()
        #expect(second != first)

        // Within validationInterval, unpinged: the connector cannot send the statement on the
        // closed session (CR_SERVER_GONE_ERROR), so it is sent once more on a new session.
        connection.validationInterval = .seconds(3_600)
        try kill(second)
        let third = try sessionID()
        #expect(third != second)
        #expect(connection.isConnected)

        // Lost while the server was running it: it may have had its effect, so it is reported
        // and never resent (a resent SLEEP would return normally after 5 s).
        let running = try sessionID()
        let interrupter = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            _ = try? TestDatabase.connection().execute(sql: "KILL CONNECTION \(running)")
        }
        interrupter.start()
        do {
            _ = try connection.query(sql: "SELECT SLEEP(5) AS slept")
            Issue.record("a statement whose session was killed while it ran should fail")
        } catch let error as DatabaseError {
            #expect(error.isConnectionLost)
            #expect(!error.wasNeverSent)
        }
        #expect(!connection.isConnected)

        // A session lost inside a transaction is reported, never silently replaced.
        connection.validationInterval = .zero
        #expect(throws: DatabaseError.self) {
            try connection.transaction {
                let id = try sessionID()
                try kill(id)
                _ = try sessionID()
            }
        }
        #expect(try sessionID() != third)
    }
}

/// Two transactions that lock two rows in opposite orders.
private final class DeadlockProbe: Sendable {
    let table: String
    let runs = Mutex([0, 0])
    let holds = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]

    init(table: String) { self.table = table }

    func cross(_ connection: Connection, _ index: Int, mine: Int, theirs: Int) throws {
        try connection.transaction {
            let run = runs.withLock {
                $0[index] += 1
                return $0[index]
            }
            try connection.execute(sql: "UPDATE \(table) SET n = n + 1 WHERE id = ?", [.int(Int64(mine))])
            if run == 1 {
                holds[index].signal()
                holds[1 - index].wait()
            }
            try connection.execute(sql: "UPDATE \(table) SET n = n + 1 WHERE id = ?", [.int(Int64(theirs))])
        }
    }
}
