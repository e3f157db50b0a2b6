import Foundation
import HTTP
import MariaDB

/// API keys in MariaDB: looked up on every request (before anyone knows the organization, so that
/// lookup is unscoped), and issued, listed, changed, rotated and revoked per organization — through
/// `/api/v1/keys/` by admin keys, and through the operator CLI. Every change is audited in the
/// same transaction.
public struct APIKeyStore {
    let database: Connection

    public init(database: Connection) { self.database = database }

    /// The most a rotated key may stay valid beside its successor.
    static let maximumOverlap = 30 * 86_400

    public struct NewKey {
        public var name: String
        public var scopes: Set<AccessScope>
        public var assistantID: UUID?
        public var expiresAt: Date?
        public var isOperator = false

        public init(name: String, scopes: Set<AccessScope>, assistantID: UUID? = nil, expiresAt: Date? = nil, isOperator: Bool = false) {
            self.name = name
            self.scopes = scopes
            self.assistantID = assistantID
            self.expiresAt = expiresAt
            self.isOperator = isOperator
        }
    }

    /// Issues a key. The secret is returned once and never stored.
    func create(_ new: NewKey, in db: ScopedConnection, by actor: AuditActor) throws -> (key: APIKey, secret: String) {
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("key name must be 1 to 200 characters") }
        guard !new.scopes.isEmpty else { throw StoreError.invalid("a key needs at least one scope") }
        if let expiresAt = new.expiresAt, expiresAt <= .now { throw StoreError.invalid("the expiry must be in the future") }
        return try db.transaction {
            if let assistantID = new.assistantID {
                guard try AssistantStore(db).find(assistantID) != nil else {
                    throw StoreError.notFound("assistant \(assistantID.uuidString.lowercased())")
                }
            }
            let issued = try insert(new, name: name, in: db, createdBy: actor.keyID)
            try AuditLog(db: db).record(
                "key.created", target: ("key", issued.key.id.uuidString.lowercased()), details: Self.describe(issued.key), by: actor)
            return issued
        }
    }

    private func insert(_ new: NewKey, name: String, in db: ScopedConnection, createdBy: UUID?) throws -> (key: APIKey, secret: String) {
        let secret = APIKey.generateSecret()
        let key = APIKey(
            id: UUID(), name: name, scopes: AccessScopes(new.scopes), assistantID: new.assistantID, isOperator: new.isOperator,
            keyPrefix: APIKey.displayPrefix(of: secret), createdAt: .now.truncatedToMicroseconds,
            expiresAt: new.expiresAt?.truncatedToMicroseconds, lastUsedAt: nil, revokedAt: nil, replacedBy: nil, createdBy: createdBy)
        try db.execute(
            """
            INSERT INTO api_keys (organization_id, id, name, scopes, assistant_id, is_operator, key_prefix, key_hash, created_at,
                expires_at, created_by)
            VALUES (\(db.value), \(key.id), \(name), \(key.scopes), \(key.assistantID), \(key.isOperator), \(key.keyPrefix),
                \(APIKey.hash(secret)), \(key.createdAt), \(key.expiresAt), \(createdBy))
            """)
        return (key, secret)
    }

    func page(in db: ScopedConnection, includeInactive: Bool, _ page: Pagination) throws -> Page<APIKey> {
        let active: SQL = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(Date.now))"
        return try db.page(APIKey.self, where: includeInactive ? nil : active, orderBy: "created_at, id", page)
    }

    func find(_ id: UUID, in db: ScopedConnection) throws -> APIKey? {
        try db.find(APIKey.self, where: "id = \(id)")
    }

    /// Renames a key or changes its scopes; `nil` when there is no such key.
    func update(_ id: UUID, name: String?, scopes: Set<AccessScope>?, in db: ScopedConnection, by actor: AuditActor) throws -> APIKey? {
        try db.transaction {
            guard let before = try locked(id, in: db) else { return nil }
            var after = before
            if let name { after.name = name }
            if let scopes {
                guard !scopes.isEmpty else { throw StoreError.invalid("a key needs at least one scope") }
                after.scopes = AccessScopes(scopes)
            }
            guard after != before else { return before }
            try db.execute("UPDATE api_keys SET name = \(after.name), scopes = \(after.scopes) WHERE \(db.condition) AND id = \(id)")
            var details: [String: JSONValue] = [:]
            if after.name != before.name { details["name"] = ["from": .string(before.name), "to": .string(after.name)] }
            if after.scopes != before.scopes {
                details["scopes"] = ["from": Self.list(before.scopes), "to": Self.list(after.scopes)]
            }
            let action = after.scopes != before.scopes ? "key.scopes_changed" : "key.renamed"
            try AuditLog(db: db).record(action, target: ("key", id.uuidString.lowercased()), details: details, by: actor)
            return after
        }
    }

    /// Revokes a key at once; `nil` when there is no such key, the key unchanged when it was revoked already.
    func revoke(_ id: UUID, in db: ScopedConnection, by actor: AuditActor) throws -> APIKey? {
        try db.transaction {
            guard var key = try locked(id, in: db) else { return nil }
            guard key.revokedAt == nil else { return key }
            key.revokedAt = Date.now.truncatedToMicroseconds
            try db.execute("UPDATE api_keys SET revoked_at = \(key.revokedAt) WHERE \(db.condition) AND id = \(id)")
            try AuditLog(db: db).record("key.revoked", target: ("key", id.uuidString.lowercased()), by: actor)
            return key
        }
    }

    /// Issues a successor with the same name, scopes, binding and expiry; the old key stays valid for
    /// `overlap` seconds more (0: it stops at once), so clients can switch without downtime.
    /// `nil` when there is no such key; refused when it is revoked, expired or already rotated.
    func rotate(_ id: UUID, overlap: Int, in db: ScopedConnection, by actor: AuditActor) throws -> (key: APIKey, secret: String)? {
        try db.transaction {
            guard let old = try locked(id, in: db) else { return nil }
            guard old.isActive(), old.replacedBy == nil else {
                throw StoreError.conflict("only an active key that was not rotated yet can be rotated")
            }
            let issued = try insert(
                NewKey(
                    name: old.name, scopes: old.scopes.set, assistantID: old.assistantID, expiresAt: old.expiresAt,
                    isOperator: old.isOperator),
                name: old.name, in: db, createdBy: actor.keyID)
            let overlapEnds = Date.now.addingTimeInterval(TimeInterval(overlap)).truncatedToMicroseconds
            let oldExpires = min(old.expiresAt ?? overlapEnds, overlapEnds)
            try db.execute(
                "UPDATE api_keys SET expires_at = \(oldExpires), replaced_by = \(issued.key.id) WHERE \(db.condition) AND id = \(id)")
            try AuditLog(db: db).record(
                "key.rotated", target: ("key", id.uuidString.lowercased()),
                details: [
                    "replaced_by": .string(issued.key.id.uuidString.lowercased()),
                    "old_key_valid_until": .string(Timestamp.format(oldExpires)),
                ],
                by: actor)
            return issued
        }
    }

    private func locked(_ id: UUID, in db: ScopedConnection) throws -> APIKey? {
        try db.fetchOne(APIKey.self, "SELECT \(APIKey.selection()) FROM api_keys WHERE \(db.condition) AND id = \(id) FOR UPDATE")
    }

    static func list(_ scopes: AccessScopes) -> JSONValue { .array(scopes.set.sorted().map { .string($0.rawValue) }) }

    static func describe(_ key: APIKey) -> [String: JSONValue] {
        var details: [String: JSONValue] = ["name": .string(key.name), "scopes": list(key.scopes)]
        if let assistantID = key.assistantID { details["assistant_id"] = .string(assistantID.uuidString.lowercased()) }
        if let expiresAt = key.expiresAt { details["expires_at"] = .string(Timestamp.format(expiresAt)) }
        if key.isOperator { details["operator"] = true }
        return details
    }

    // MARK: The operator CLI

    /// Issues a key for any organization (the CLI bootstraps organizations that have no key yet).
    public func create(organizationID: UUID, _ new: NewKey) throws -> (key: APIKey, secret: String) {
        guard try OrganizationStore(database: database).find(organizationID) != nil else {
            throw StoreError.notFound("organization \(organizationID.uuidString.lowercased())")
        }
        return try create(new, in: database.organization(organizationID), by: .cli)
    }

    public func list(organizationID: UUID) throws -> [APIKey] {
        try database.organization(organizationID).all(APIKey.self, orderBy: "created_at, id")
    }

    /// Revokes a key of any organization; `false` when there is no such key or it was already revoked.
    public func revoke(id: UUID) throws -> Bool {
        guard let organizationID = try database.fetchOne(UUID.self, "SELECT organization_id FROM api_keys WHERE id = \(id)") else {
            return false
        }
        let db = database.organization(organizationID)
        guard try find(id, in: db)?.revokedAt == nil else { return false }
        return try revoke(id, in: db, by: .cli) != nil
    }

    // MARK: Authentication

    /// What authenticating a key finds: the principal, and when the key itself expires (checked on
    /// every request even when the principal is cached).
    public struct Lookup: Sendable {
        public var principal: Principal
        public var expiresAt: Date?
    }

    private struct Found: Decodable {
        var keyID: UUID
        var organizationID: UUID
        var scopes: AccessScopes
        var assistantID: UUID?
        var isOperator: Bool
        var expiresAt: Date?
        var lastUsedAt: Date?
        var rateLimitPerHour: Int?
        var sessionTTLSeconds: Int?
    }

    /// The valid key with this secret, if any.
    public func authenticate(secret: String) throws -> Lookup? {
        try authenticate(hash: APIKey.hash(secret))
    }

    /// The valid key whose secret has this SHA-256, if any. The organization's settings come in the
    /// same query, so a changed limit or session lifetime applies with the next lookup (see
    /// `CredentialCache`). `last_used_at` is kept to the minute: at most one write per key and minute.
    func authenticate(hash: [UInt8]) throws -> Lookup? {
        try lookup("k.key_hash = \(hash)", touch: true)
    }

    /// The valid key with this id: what a browser token it minted acts as (not marked as used).
    func authenticate(keyID: UUID) throws -> Lookup? {
        try lookup("k.id = \(keyID)", touch: false)
    }

    private func lookup(_ condition: SQL, touch: Bool) throws -> Lookup? {
        let now = Date.now
        guard
            let found = try database.fetchOne(
                Found.self,
                """
                SELECT k.id AS key_id, k.organization_id, k.scopes, k.assistant_id, k.is_operator, k.expires_at, k.last_used_at,
                    o.rate_limit_per_hour, o.session_ttl_seconds
                FROM api_keys k JOIN organizations o ON o.id = k.organization_id
                WHERE \(condition) AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > \(now))
                """)
        else { return nil }
        if touch, found.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            try database.execute("UPDATE api_keys SET last_used_at = \(now.truncatedToMicroseconds) WHERE id = \(found.keyID)")
        }
        return Lookup(
            principal: Principal(
                kind: .apiKey, keyID: found.keyID, organizationID: found.organizationID, scopes: found.scopes.set,
                assistantID: found.assistantID, rateLimitPerHour: found.rateLimitPerHour, sessionTTLSeconds: found.sessionTTLSeconds,
                isOperator: found.isOperator),
            expiresAt: found.expiresAt)
    }
}
