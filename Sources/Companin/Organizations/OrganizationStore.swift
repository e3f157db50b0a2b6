import Foundation
import MariaDB

/// Organizations in MariaDB. Used by the operator CLI; the API never lists organizations.
public struct OrganizationStore {
    let database: Connection

    public init(database: Connection) { self.database = database }

    public static let maximumNameLength = 200

    public func create(name: String) throws -> Organization {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Self.maximumNameLength else {
            throw StoreError.invalid("organization name must be 1 to \(Self.maximumNameLength) characters")
        }
        let organization = Organization(id: UUID(), name: name, createdAt: .now.truncatedToMicroseconds)
        try database.execute(
            "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [organization.id.databaseValue, .text(name), organization.createdAt.databaseValue, organization.createdAt.databaseValue])
        return organization
    }

    public func find(_ id: UUID) throws -> Organization? {
        try database.query("SELECT id, name, created_at FROM organizations WHERE id = ?", [id.databaseValue])
            .first.map(Self.decode)
    }

    public func list() throws -> [Organization] {
        try database.query("SELECT id, name, created_at FROM organizations ORDER BY created_at, id").map(Self.decode)
    }

    private static func decode(_ row: Row) throws -> Organization {
        Organization(id: try row.decode(UUID.self, "id"), name: try row.decode(String.self, "name"),
                     createdAt: try row.decode(Date.self, "created_at"))
    }
}

/// A refusal from a store that is the operator's or client's to fix, worded for them.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case .notFound(let what): "\(what) not found"
        }
    }
}

extension Date {
    /// MariaDB keeps microseconds; rounding here makes what we return equal to what we stored.
    var truncatedToMicroseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1_000_000).rounded(.down) / 1_000_000)
    }
}
