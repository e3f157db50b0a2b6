import Foundation
import HTTP
import MariaDB

/// Organizations in MariaDB. Used by the operator CLI; the API never lists organizations. Unscoped:
/// the table is the scope itself.
public struct OrganizationStore {
    let database: Connection

    public init(database: Connection) { self.database = database }

    public static let maximumNameLength = 200

    public func create(name: String) throws -> Organization {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Self.maximumNameLength else {
            throw StoreError.invalid("organization name must be 1 to \(Self.maximumNameLength) characters")
        }
        let organization = Organization(
            id: UUID(), name: name, rateLimitPerHour: nil, sessionTTLSeconds: nil, createdAt: .now.truncatedToMicroseconds)
        try database.execute(
            """
            INSERT INTO organizations (id, name, created_at, updated_at)
            VALUES (\(organization.id), \(name), \(organization.createdAt), \(organization.createdAt))
            """)
        return organization
    }

    public func find(_ id: UUID) throws -> Organization? {
        try database.fetchOne(Organization.self, "SELECT \(Self.selection) FROM organizations WHERE id = \(id)")
    }

    /// Sets the organization's hourly limit, or with `nil` returns it to the default. `false` when there is no such organization.
    public func setRateLimit(_ id: UUID, perHour limit: Int?) throws -> Bool {
        if let limit, !(1...Self.maximumRateLimit).contains(limit) {
            throw StoreError.invalid("the limit must be 1 to \(Self.maximumRateLimit) requests per hour")
        }
        return try database.transaction {
            guard
                let before = try database.fetchOne(
                    Int?.self, "SELECT rate_limit_per_hour FROM organizations WHERE id = \(id) FOR UPDATE")
            else { return false }
            try database.execute("UPDATE organizations SET rate_limit_per_hour = \(limit) WHERE id = \(id)")
            try AuditLog(db: database.organization(id)).record(
                "organization.limit_changed", target: ("organization", id.uuidString.lowercased()),
                details: ["from": before.map { .int(Int64($0)) } ?? .null, "to": limit.map { .int(Int64($0)) } ?? .null], by: .cli)
            return true
        }
    }

    public static let maximumRateLimit = 100_000_000

    /// Sets the lifetime of the organization's new sessions, or with `nil` returns it to the default.
    /// `false` when there is no such organization.
    public func setSessionTTL(_ id: UUID, seconds: Int?, bounds: ClosedRange<Int>) throws -> Bool {
        if let seconds, !bounds.contains(seconds) {
            throw StoreError.invalid("the session lifetime must be \(bounds.lowerBound) to \(bounds.upperBound) seconds")
        }
        return try database.execute("UPDATE organizations SET session_ttl_seconds = \(seconds) WHERE id = \(id)").affectedRows == 1
    }

    public func list() throws -> [Organization] {
        try database.fetchAll(Organization.self, "SELECT \(Self.selection) FROM organizations ORDER BY created_at, id")
    }

    private static let selection: SQL = "id, name, rate_limit_per_hour, session_ttl_seconds, created_at"
}

/// A refusal from a store that is the operator's or client's to fix, worded for them.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case notFound(String)
    /// The resource's state does not allow it (`409` in the API).
    case conflict(String)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case .notFound(let what): "\(what) not found"
        case .conflict(let message): message
        }
    }
}

extension Date {
    /// MariaDB keeps microseconds; rounding here makes what we return equal to what we stored.
    var truncatedToMicroseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1_000_000).rounded(.down) / 1_000_000)
    }
}
