import Foundation
import MariaDB

/// What analytics read: one organization's rows (through its scoped connection, so a statement
/// without the organization is refused), or for operators every organization's.
struct AnalyticsScope {
    let database: Connection
    let organization: ScopedConnection?

    init(database: Connection, organizationID: UUID?) {
        self.database = database
        organization = organizationID.map(database.organization)
    }

    var organizationID: UUID? { organization?.organizationID }

    /// The organization's condition on `alias`, or every organization's rows.
    func condition(_ alias: String) -> SQL {
        organization?.condition(alias) ?? "\(identifier: alias).organization_id IS NOT NULL"
    }

    func rows(_ sql: SQL) throws -> [Row] {
        if let organization { return try organization.rows(sql) }
        return try database.rows(sql)
    }

    func fetchAll<T: Decodable>(_ type: T.Type, _ sql: SQL) throws -> [T] {
        try rows(sql).map { try $0.decode(as: type) }
    }
}
