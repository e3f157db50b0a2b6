import Foundation
import MariaDB

/// API keys in MariaDB: issued, listed, revoked by the operator CLI, and looked up on every request.
/// Unscoped on purpose: a key is looked up before anyone knows its organization, and the CLI
/// administers every organization.
public struct APIKeyStore {
    let database: Connection

    public init(database: Connection) { self.database = database }

    /// Issues a key for the organization. The secret is returned once and never stored.
    public func create(organizationID: UUID, name: String, isOperator: Bool = false) throws -> (key: APIKey, secret: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 200 else { throw StoreError.invalid("key name must be 1 to 200 characters") }
        guard try OrganizationStore(database: database).find(organizationID) != nil else {
            throw StoreError.notFound("organization \(organizationID.uuidString.lowercased())")
        }
        let secret = APIKey.generateSecret()
        let key = APIKey(
            id: UUID(), organizationID: organizationID, name: name, prefix: APIKey.displayPrefix(of: secret),
            isOperator: isOperator, createdAt: .now.truncatedToMicroseconds, revokedAt: nil)
        try database.execute(
            """
            INSERT INTO api_keys (id, organization_id, name, is_operator, key_prefix, key_hash, created_at)
            VALUES (\(key.id), \(organizationID), \(name), \(isOperator), \(key.prefix), \(APIKey.hash(secret)), \(key.createdAt))
            """)
        return (key, secret)
    }

    public func list(organizationID: UUID) throws -> [APIKey] {
        try database.fetchAll(
            APIKey.self,
            """
            SELECT id, organization_id, name, is_operator, key_prefix AS prefix, created_at, revoked_at
            FROM api_keys WHERE organization_id = \(organizationID) ORDER BY created_at, id
            """)
    }

    /// Revokes a key; `false` when there is no such key or it was already revoked.
    public func revoke(id: UUID) throws -> Bool {
        try database.execute(
            "UPDATE api_keys SET revoked_at = \(Date.now.truncatedToMicroseconds) WHERE id = \(id) AND revoked_at IS NULL"
        ).affectedRows == 1
    }

    /// Who a valid key acts for, with the organization's own hourly limit and session lifetime when it has them.
    public struct Credentials: Sendable, Equatable, Decodable {
        public var keyID: UUID
        public var organizationID: UUID
        public var rateLimitPerHour: Int?
        public var sessionTTLSeconds: Int?
        /// An operator key (`companin key create --operator`) may read other organizations' analytics.
        public var isOperator = false
    }

    /// The valid key with this secret, if any. The organization's settings come in the same query,
    /// so a changed limit or session lifetime applies with the next lookup (see `CredentialCache`).
    public func authenticate(secret: String) throws -> Credentials? {
        try authenticate(hash: APIKey.hash(secret))
    }

    /// The valid key whose secret has this SHA-256, if any.
    func authenticate(hash: [UInt8]) throws -> Credentials? {
        try database.fetchOne(
            Credentials.self,
            """
            SELECT k.id AS key_id, k.organization_id, k.is_operator, o.rate_limit_per_hour, o.session_ttl_seconds
            FROM api_keys k JOIN organizations o ON o.id = k.organization_id
            WHERE k.key_hash = \(hash) AND k.revoked_at IS NULL
            """)
    }
}
