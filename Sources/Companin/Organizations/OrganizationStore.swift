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
        let organization = Organization(
            id: UUID(), name: name, rateLimitPerHour: nil, sessionTTLSeconds: nil, createdAt: .now.truncatedToMicroseconds)
        try database.execute(
            sql: "INSERT INTO organizations (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [organization.id.databaseValue, .text(name), organization.createdAt.databaseValue, organization.createdAt.databaseValue])
        return organization
    }

    public func find(_ id: UUID) throws -> Organization? {
        try database.query(
            sql: "SELECT id, name, rate_limit_per_hour, session_ttl_seconds, created_at FROM organizations WHERE id = ?", [id.databaseValue]
        )
        .first.map(Self.decode)
    }

    /// Sets the organization's hourly limit, or with `nil` returns it to the default. `false` when there is no such organization.
    public func setRateLimit(_ id: UUID, perHour limit: Int?) throws -> Bool {
        if let limit, !(1...Self.maximumRateLimit).contains(limit) {
            throw StoreError.invalid("the limit must be 1 to \(Self.maximumRateLimit) requests per hour")
        }
        return try database.execute(
            sql: "UPDATE organizations SET rate_limit_per_hour = ? WHERE id = ?",
            [limit.databaseValue, id.databaseValue]
        ).affectedRows == 1
    }

    public static let maximumRateLimit = 100_000_000

    /// Sets the lifetime of the organization's new sessions, or with `nil` returns it to the default.
    /// `false` when there is no such organization.
    public func setSessionTTL(_ id: UUID, seconds: Int?, bounds: ClosedRange<Int>) throws -> Bool {
        if let seconds, !bounds.contains(seconds) {
            throw StoreError.invalid("the session lifetime must be \(bounds.lowerBound) to \(bounds.upperBound) seconds")
        }
        return try database.execute(
            sql: "UPDATE organizations SET session_ttl_seconds = ? WHERE id = ?",
            [seconds.databaseValue, id.databaseValue]
        ).affectedRows == 1
    }

    public func list() throws -> [Organization] {
        try database.query(
            sql: "SELECT id, name, rate_limit_per_hour, session_ttl_seconds, created_at FROM organizations ORDER BY created_at, id"
        )
        .map(Self.decode)
    }

    private static func decode(_ row: Row) throws -> Organization {
        Organization(
            id: try row.decode(UUID.self, "id"), name: try row.decode(String.self, "name"),
            rateLimitPerHour: try row.decode(Int?.self, "rate_limit_per_hour"),
            sessionTTLSeconds: try row.decode(Int?.self, "session_ttl_seconds"),
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
