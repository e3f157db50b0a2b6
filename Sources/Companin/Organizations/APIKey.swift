import Crypto
import Foundation

/// An API key as stored: its hash and a short prefix to tell keys apart, never the key itself.
public struct APIKey: Sendable, Equatable, Decodable {
    public var id: UUID
    public var organizationID: UUID
    public var name: String
    public var prefix: String
    /// May read every organization's analytics, not only its own.
    public var isOperator: Bool
    public var createdAt: Date
    public var revokedAt: Date?

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
}
