import HTTP
import MariaDB
import Testing

@testable import Companin

@Suite struct DatabaseErrorHTTPTests {
    @Test func transientFailuresAre503WithRetryAfterAndTheRestAre500() {
        let cases: [(DatabaseError, HTTPStatus, String?)] = [
            (DatabaseError(kind: .connection, code: 2002, message: "no socket"), .serviceUnavailable, "5"),
            (DatabaseError(kind: .statement, code: 1213, sqlState: "40001", message: "Deadlock found"), .serviceUnavailable, "1"),
            (
                DatabaseError(kind: .statement, code: 1205, sqlState: "HY000", message: "Lock wait timeout exceeded"), .serviceUnavailable,
                "1"
            ),
            (DatabaseError(kind: .statement, code: 1064, sqlState: "42000", message: "syntax"), .internalServerError, nil),
        ]
        for (error, status, retryAfter) in cases {
            #expect(error.httpError.status == status, "\(error.code)")
            #expect(error.httpError.headers["Retry-After"] == retryAfter, "\(error.code)")
        }
    }
}
