import Foundation
import MariaDB
import Testing

@Suite("Binding and decoding", .enabled(if: TestDatabase.isAvailable))
struct ValueRoundTripTests {
    @Test func everyValueRoundTripsThroughAPlaceholder() throws {
        let connection = try TestDatabase.connection()
        let date = Date(timeIntervalSince1970: 1_764_006_703.123456)
        let values: [DatabaseValue] = [
            .null, .int(0), .int(.min), .int(.max), .uint(.max), .double(3.141_592_653_589_793), .double(-0.5),
            .text(""), .text("Zoë 👩🏽‍💻 café"), .blob([0, 1, 0, 255]), .blob([]), .datetime(date),
        ]
        for value in values {
            let rows = try connection.query(sql: "SELECT ? AS v", [value])
            #expect(rows.first?["v"] == value, "round trip of \(value)")
        }
    }

    @Test func everySupportedTypeRoundTripsThroughColumns() throws {
        let connection = try TestDatabase.connection()
        let table = TestDatabase.uniqueName("roundtrip")
        try connection.execute(
            sql: """
                CREATE TABLE \(table) (
                  id INT AUTO_INCREMENT PRIMARY KEY,
                  i BIGINT NULL, u BIGINT UNSIGNED NULL, small INT NULL, d DOUBLE NULL, flag TINYINT(1) NULL,
                  s VARCHAR(255) NULL, big LONGTEXT NULL, bin LONGBLOB NULL,
                  dt DATETIME(6) NULL, ts TIMESTAMP(6) NULL, day DATE NULL,
                  uid UUID NULL, doc JSON NULL, price DECIMAL(10,2) NULL, bits BIT(8) NULL, duration TIME NULL
                ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
                """)
        defer { _ = try? connection.execute(sql: "DROP TABLE IF EXISTS \(table)") }

        let date = Date(timeIntervalSince1970: 1_764_006_703.654321)
        let uuid = UUID()
        let accents = "Zoë, café, naïve — 👩🏽‍💻 ✓"
        let bigText = String(repeating: "Ünïcödé text 📚 ", count: 300_000)  // ~5.7 MB of UTF-8
        var bigBlob = [UInt8](repeating: 0, count: 3 * 1_024 * 1_024)
        for index in bigBlob.indices where index % 7 == 0 {
            bigBlob[index] = UInt8(truncatingIfNeeded: index)
        }
        let json = #"{"name": "Zoë", "tags": ["a", "b"], "n": 1.5}"#

        let insert = """
            INSERT INTO \(table) (i, u, small, d, flag, s, big, bin, dt, ts, day, uid, doc, price, bits, duration)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        let result = try connection.execute(
            sql: insert,
            [
                Int64.min.databaseValue, UInt64.max.databaseValue, Int32.max.databaseValue, 2.5.databaseValue,
                true.databaseValue, accents.databaseValue, bigText.databaseValue, bigBlob.databaseValue,
                date.databaseValue, date.databaseValue, date.databaseValue, uuid.databaseValue,
                json.databaseValue, "1234.50", .int(5), "27:30:15",
            ])
        #expect(result.affectedRows == 1)
        #expect(result.lastInsertID > 0)
        try connection.execute(
            sql: insert,
            [
                Int64.max.databaseValue, .uint(0), Int32.min.databaseValue, .double(-1e300), false.databaseValue,
                "".databaseValue, "".databaseValue, [UInt8]().databaseValue,
                .null, .null, .null, .null, .null, .null, .null, .null,
            ])
        let nothing: String? = nil
        try connection.execute(
            sql: "INSERT INTO \(table) (i, s) VALUES (?, ?)", [Int?.none.databaseValue, nothing.databaseValue]
        )

        let rows = try connection.query(sql: "SELECT * FROM \(table) ORDER BY id")
        try #require(rows.count == 3)
        let first = rows[0]
        #expect(try first.decode(Int64.self, "i") == .min)
        #expect(try first.decode(UInt64.self, "u") == .max)
        #expect(try first.decode(Int32.self, "small") == .max)
        #expect(try first.decode(Int.self, "small") == Int(Int32.max))
        #expect(try first.decode(Double.self, "d") == 2.5)
        #expect(try first.decode(Bool.self, "flag") == true)
        #expect(first["flag"] == .int(1))
        #expect(try first.decode(String.self, "s") == accents)
        #expect(try first.decode(String.self, "big") == bigText)
        #expect(try first.decode([UInt8].self, "bin") == bigBlob)
        #expect(try first.decode(Date.self, "dt") == date)
        #expect(try first.decode(Date.self, "ts") == date)
        // DATE keeps only the day, at midnight UTC.
        #expect(try first.decode(Date.self, "day") == Date(timeIntervalSince1970: 1_763_942_400))
        #expect(first["uid"] == .text(uuid.uuidString.lowercased()))
        #expect(try first.decode(UUID.self, "uid") == uuid)
        #expect(first["doc"] == .text(json))
        #expect(first["price"] == .text("1234.50"))
        #expect(try first.decode(Double.self, "price") == 1234.5)
        #expect(first["bits"] == .int(5))
        #expect(first["duration"] == .text("27:30:15"))

        let second = rows[1]
        #expect(try second.decode(Int64.self, "i") == .max)
        #expect(try second.decode(UInt64.self, "u") == 0)
        #expect(try second.decode(Int32.self, "small") == .min)
        #expect(try second.decode(Double.self, "d") == -1e300)
        #expect(try second.decode(Bool.self, "flag") == false)
        #expect(try second.decode(String.self, "s") == "")
        #expect(try second.decode(String.self, "big") == "")
        #expect(try second.decode([UInt8].self, "bin") == [])
        #expect(try second.decode(Date?.self, "dt") == nil)
        #expect(try second.decode(UUID?.self, "uid") == nil)

        let third = rows[2]
        #expect(third["i"] == .null)
        #expect(try third.decode(Int64?.self, "i") == nil)
        #expect(try third.decode(String?.self, "s") == nil)
    }

    @Test func blobWithZeroBytesIsNotTruncated() throws {
        let connection = try TestDatabase.connection()
        let bytes: [UInt8] = [0, 0, 65, 0, 66, 0]
        let rows = try connection.query(sql: "SELECT CAST(? AS BINARY) AS b, LENGTH(?) AS n", [.blob(bytes), .blob(bytes)])
        #expect(rows.first?["b"] == .blob(bytes))
        #expect(rows.first?["n"] == .int(6))
    }

    @Test func datesKeepMicrosecondsAndUTC() throws {
        let connection = try TestDatabase.connection()
        let dates = [
            Date(timeIntervalSince1970: 0),
            Date(timeIntervalSince1970: 1_700_000_000.000001),
            Date(timeIntervalSince1970: 1_700_000_000.999999),
            Date(timeIntervalSince1970: -86_400 * 365 * 50 + 0.25),  // before 1970
            Date(timeIntervalSince1970: 951_782_400.5),  // 2000-02-29 00:00:00.5, a leap day
        ]
        for date in dates {
            let rows = try connection.query(
                sql: "SELECT CAST(? AS DATETIME(6)) AS d, DATE_FORMAT(?, '%Y-%m-%d %H:%i:%s.%f') AS text",
                [.datetime(date), .datetime(date)]
            )
            #expect(try rows.first?.decode(Date.self, "d") == date)
        }
        let text = try connection.query(
            sql: "SELECT DATE_FORMAT(?, '%Y-%m-%d %H:%i:%s.%f') AS t", [.datetime(Date(timeIntervalSince1970: 951_782_400.5))])
        #expect(text.first?["t"] == .text("2000-02-29 00:00:00.500000"))
        let fromSQL = try connection.query(sql: "SELECT TIMESTAMP'2026-11-24 17:51:43.250000' AS d")
        #expect(try fromSQL.first?.decode(Date.self, "d") == Date(timeIntervalSince1970: 1_795_542_703.25))
    }

    @Test func datesOutsideTheDatetimeRangeAreRejectedBeforeBinding() throws {
        let connection = try TestDatabase.connection()
        #expect(throws: DatabaseError.self) {
            try connection.query(sql: "SELECT ? AS d", [.datetime(Date(timeIntervalSince1970: -1e12))])
        }
        #expect(try connection.query(sql: "SELECT 1 AS one").first?["one"] == .int(1))
    }

    /// The whole range is bindable: the conversion once refused years after about 5138.
    @Test func theLastSecondOfYear9999RoundTrips() throws {
        let connection = try TestDatabase.connection()
        let last = Date(timeIntervalSince1970: 253_402_300_799)
        #expect(try connection.query(sql: "SELECT ? AS d", [.datetime(last)]).first?.decode(Date.self, "d") == last)
        #expect(throws: DatabaseError.self) {
            try connection.query(sql: "SELECT ? AS d", [.datetime(last.addingTimeInterval(1))])
        }
    }

    @Test func wrongTypesThrowDecodingErrors() throws {
        let connection = try TestDatabase.connection()
        let row = try #require(
            try connection.query(
                sql: "SELECT 'secret-value' AS word, 3000000000 AS big, -1 AS negative, NOW() AS now, 1.5 AS ratio"
            ).first)
        for (column, attempt) in [
            ("word", { _ = try row.decode(Int.self, "word") }),
            ("big", { _ = try row.decode(Int32.self, "big") }),
            ("negative", { _ = try row.decode(UInt64.self, "negative") }),
            ("now", { _ = try row.decode(String.self, "now") }),
            ("word", { _ = try row.decode(Date.self, "word") }),
            ("word", { _ = try row.decode(UUID.self, "word") }),
            ("ratio", { _ = try row.decode(Int.self, "ratio") }),
            ("absent", { _ = try row.decode(Int.self, "absent") }),
        ] as [(String, () throws -> Void)] {
            do {
                try attempt()
                Issue.record("decoding \(column) should fail")
            } catch let error as DatabaseError {
                #expect(error.kind == .decoding)
                #expect(error.message.contains(column))
                #expect(!error.description.contains("secret-value"))
                #expect(!error.description.contains("3000000000"))
            }
        }
    }

    @Test func bindingCountMismatchThrows() throws {
        let connection = try TestDatabase.connection()
        #expect(throws: DatabaseError.self) {
            try connection.query(sql: "SELECT ? AS a, ? AS b", [.int(1)])
        }
        #expect(try connection.query(sql: "SELECT ? AS a, ? AS b", [1, 2]).first?["b"] == .int(2))
    }
}
