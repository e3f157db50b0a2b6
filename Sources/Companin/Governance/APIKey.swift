import Crypto
import Foundation
import MariaDB

/// An API key as stored: its hash and a short prefix to tell keys apart, never the key itself.
public struct APIKey: Sendable, Equatable, Codable {
    public var id: UUID
    public var name: String
    public var scopes: AccessScopes
    /// A key bound to one assistant reaches only that assistant's sessions and conversations.
    public var assistantID: UUID?
    /// May read every organization's analytics, not only its own (CLI only).
    public var isOperator: Bool
    /// The secret's first characters, to tell keys apart; not enough to use it.
    public var keyPrefix: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsedAt: Date?
    public var revokedAt: Date?
    /// The key rotation issued in this one's place.
    public var replacedBy: UUID?
    /// The key that created this one through the API; `nil` for the CLI.
    public var createdBy: UUID?

    /// Secrets look like `cmp_` followed by 40 base-62 characters (about 238 random bits).
    public static let secretMarker = "cmp_"
    static let secretLength = 40
    /// Characters of the secret kept for display: the marker and 8 more.
    static let prefixLength = 12
    private static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// A new random secret from the system's cryptographic generator.
    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<secretLength).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] }
        return secretMarker + String(body)
    }

    /// SHA-256 of the secret, the only form in which it is stored or looked up.
    static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(secret.utf8)))
    }

    static func displayPrefix(of secret: String) -> String {
        String(secret.prefix(prefixLength))
    }

    /// Valid now: neither revoked nor past its expiry.
    func isActive(at now: Date = .now) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }
}

extension APIKey: DatabaseRecord {
    public static let databaseTable = "api_keys"
    public static let databaseColumns = [
        "id", "name", "scopes", "assistant_id", "is_operator", "key_prefix", "created_at", "expires_at",
        "last_used_at", "revoked_at", "replaced_by", "created_by",
    ]
}

/// A key and, once, its secret: what creating or rotating a key answers.
struct IssuedKey: Encodable {
    var key: APIKey
    var secret: String

    enum CodingKeys: CodingKey { case secret }

    func encode(to encoder: any Encoder) throws {
        try key.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(secret, forKey: .secret)
    }
}
