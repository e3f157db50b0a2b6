import Foundation
import HTTP
import MariaDB

extension Connection {
    /// This connection seen by one organization: every statement a store runs through it must
    /// contain `\(db.condition)` or `\(db.value)`, and the generic record operations add it.
    func organization(_ id: UUID) -> ScopedConnection {
        scoped(to: Scope(column: "organization_id", value: id))
    }
}

extension AppContext {
    /// The responder's connection seen by the authenticated organization.
    func organizationDatabase() throws -> ScopedConnection {
        database.organization(try organization())
    }
}

extension ScopedConnection {
    /// The organization this handle is scoped to.
    var organizationID: UUID {
        guard case .text(let text) = scope.value, let id = UUID(uuidString: text) else {
            preconditionFailure("an organization scope holds a UUID")
        }
        return id
    }

    /// One API page of the records matching `condition` in this organization.
    func page<T: DatabaseRecord & Encodable & Sendable>(
        _ type: T.Type, where condition: SQL? = nil, orderBy order: SQL, _ page: Pagination, countedBy counter: SQL? = nil
    ) throws -> Page<T> {
        let result = try self.page(type, where: condition, orderBy: order, limit: page.limit, offset: page.offset, countedBy: counter)
        return Page(items: result.items, count: result.count)
    }
}
