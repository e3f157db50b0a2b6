import MariaDB
import Testing

@Suite("DatabaseError")
struct DatabaseErrorTests {
    @Test func descriptionShowsCodeStateMessageAndSQL() {
        let error = DatabaseError(
            kind: .statement, code: 1062, sqlState: "23000",
            message: "Duplicate entry '?' for key 'email'", sql: "INSERT INTO users (email) VALUES (?)"
        )
        #expect(
            error.description
                == "statement error 1062 (23000): Duplicate entry '?' for key 'email' [sql: INSERT INTO users (email) VALUES (?)]")
        #expect(error.isDuplicateKey)
        #expect(!error.isConnectionLost)
    }

    @Test func descriptionTruncatesVeryLongSQL() {
        let sql = String(repeating: "SELECT 1; ", count: 1_000)
        let error = DatabaseError(kind: .migration, message: "failed", sql: sql)
        #expect(error.description.count < 2_200)
        #expect(error.description.hasSuffix("…]"))
    }

    @Test(arguments: [1053, 1927, 2002, 2003, 2006, 2013] as [UInt32])
    func connectionLostCodes(_ code: UInt32) {
        #expect(DatabaseError(kind: .connection, code: code, message: "gone").isConnectionLost)
    }

    @Test func classificationHelpers() {
        #expect(DatabaseError(kind: .statement, code: 1451, message: "").isForeignKeyViolation)
        #expect(DatabaseError(kind: .statement, code: 1452, message: "").isForeignKeyViolation)
        #expect(DatabaseError(kind: .statement, code: 1213, message: "").isDeadlock)
        #expect(DatabaseError(kind: .statement, code: 1205, message: "").isDeadlock)
        #expect(!DatabaseError(kind: .statement, code: 1064, message: "").isDeadlock)
        #expect(!DatabaseError(kind: .statement, code: 1064, message: "").isConnectionLost)
    }

    @Test func decodingErrorNamesColumnAndTypesButNotTheValue() {
        let row = Row(columns: ["email"], values: [.text("private@example.com")])
        do {
            _ = try row.decode(Int.self, "email")
            Issue.record("expected a decoding error")
        } catch let error as DatabaseError {
            #expect(error.kind == .decoding)
            #expect(error.description.contains("email"))
            #expect(error.description.contains("Int"))
            #expect(error.description.contains("text"))
            #expect(!error.description.contains("private@example.com"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func rowDecodingRules() throws {
        let row = Row(
            columns: ["n", "u", "big", "flag", "missing", "sum", "name"],
            values: [.int(42), .uint(7), .uint(UInt64.max), .int(1), .null, .text("1234"), .text("Zoë")]
        )
        #expect(try row.decode(Int.self, "n") == 42)
        #expect(try row.decode(Int32.self, "u") == 7)
        #expect(try row.decode(UInt64.self, "big") == UInt64.max)
        #expect(try row.decode(Bool.self, "flag"))
        #expect(try row.decode(Int?.self, "missing") == nil)
        #expect(try row.decode(Int.self, "sum") == 1234)
        #expect(try row.decode(Double.self, "sum") == 1234)
        #expect(try row.decode(String.self, "name") == "Zoë")
        #expect(row["name"] == .text("Zoë"))
        #expect(row["nope"] == nil)
        #expect(throws: DatabaseError.self) { try row.decode(Int.self, "big") }
        #expect(throws: DatabaseError.self) { try row.decode(Int.self, "missing") }
        #expect(throws: DatabaseError.self) { try row.decode(Int.self, "nope") }
        #expect(throws: DatabaseError.self) { try row.decode(Int.self, "name") }
    }
}
