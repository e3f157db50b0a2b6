import Foundation
import MariaDB

/// The read-only account DBAs and BI tools report with: it may `SELECT` the `report_*` views and
/// nothing else — no table, so no key hashes, message texts, comments or contact details.
public struct ReportingAccount {
    let database: Connection

    public init(database: Connection) { self.database = database }

    /// Account and host names and passwords go into DDL, which MariaDB does not take as bound
    /// parameters; they are limited to characters that need no quoting instead.
    static func isPlain(_ text: String, allowing extra: String = "") -> Bool {
        !text.isEmpty && text.count <= 80
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0) || extra.contains($0)) }
    }

    /// A random password of 32 letters and digits.
    public static func generatePassword() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    /// The report views of the current database.
    public func views() throws -> [String] {
        try database.query(
            sql: """
                SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'report\\_%'
                ORDER BY TABLE_NAME
                """
        ).map { try $0.decode(String.self, "name") }
    }

    /// Creates the account when it does not exist (with `password`), sets its password when given,
    /// and grants `SELECT` on every report view. Returns the views granted.
    public func grant(user: String, host: String, password: String?) throws -> [String] {
        guard Self.isPlain(user) else { throw StoreError.invalid("the account name may hold letters, digits, '_', '.' and '-' only") }
        guard Self.isPlain(host, allowing: "%:") else {
            throw StoreError.invalid("the host may hold letters, digits, '_', '.', '-', ':' and '%' only")
        }
        if let password, !Self.isPlain(password, allowing: "~+=") || password.count < 12 {
            throw StoreError.invalid("the password must be 12 to 80 letters, digits or _ . - ~ + =")
        }
        let views = try views()
        guard !views.isEmpty else { throw StoreError.notFound("report views (run `companin migrate` first)") }
        guard let schema = try database.fetchOne(String?.self, "SELECT DATABASE()") ?? nil else {
            throw StoreError.invalid("the connection names no database")
        }
        let account = "'\(user)'@'\(host)'"
        var statements = ["CREATE USER IF NOT EXISTS \(account)" + (password.map { " IDENTIFIED BY '\($0)'" } ?? "")]
        if let password { statements.append("ALTER USER \(account) IDENTIFIED BY '\(password)'") }
        statements += views.map { "GRANT SELECT ON `\(schema)`.`\($0)` TO \(account)" }
        try database.executeScript(statements.joined(separator: ";\n") + ";")
        return views
    }
}
