import Crypto
import Foundation
import HTTP
import MariaDB
import Synchronization

/// A short-lived token a website hands its visitor's browser instead of an API key:
/// `cmt_<payload>.<signature>`, both base64url; the payload is JSON naming the organization, the
/// key that minted it, the scopes, the assistant and session it is bound to, and when it expires;
/// the signature is HMAC-SHA256 over `cmt_<payload>` with a server secret (`kid` names which).
struct BrowserToken: Equatable {
    static let marker = "cmt_"
    /// The longest a token may live.
    static let maximumLifetime = 3_600

    var signingKeyID: Int
    var organizationID: UUID
    var keyID: UUID
    var scopes: Set<AccessScope>
    var assistantID: UUID?
    var sessionID: UUID?
    var issuedAt: Int64
    var expiresAt: Int64

    var payload: JSONValue {
        [
            "kid": .int(Int64(signingKeyID)), "org": .string(organizationID.uuidString.lowercased()),
            "key": .string(keyID.uuidString.lowercased()), "scp": .array(scopes.sorted().map { .string($0.rawValue) }),
            "ast": assistantID.map { .string($0.uuidString.lowercased()) } ?? .null,
            "ses": sessionID.map { .string($0.uuidString.lowercased()) } ?? .null,
            "iat": .int(issuedAt), "exp": .int(expiresAt),
        ]
    }

    init(
        signingKeyID: Int, organizationID: UUID, keyID: UUID, scopes: Set<AccessScope>, assistantID: UUID?, sessionID: UUID?,
        issuedAt: Int64, expiresAt: Int64
    ) {
        self.signingKeyID = signingKeyID
        self.organizationID = organizationID
        self.keyID = keyID
        self.scopes = scopes
        self.assistantID = assistantID
        self.sessionID = sessionID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }

    /// The payload's fields; `nil` for anything but exactly what `payload` writes.
    init?(payload: JSONValue) {
        guard case .object(let fields) = payload, fields.count == 8,
            case .int(let kid)? = fields["kid"], let kidValue = Int(exactly: kid),
            case .string(let org)? = fields["org"], let organizationID = UUID(uuidString: org),
            case .string(let key)? = fields["key"], let keyID = UUID(uuidString: key),
            case .array(let scopeList)? = fields["scp"],
            case .int(let issuedAt)? = fields["iat"], case .int(let expiresAt)? = fields["exp"]
        else { return nil }
        var scopes: Set<AccessScope> = []
        for item in scopeList {
            guard case .string(let name) = item, let scope = AccessScope(rawValue: name) else { return nil }
            scopes.insert(scope)
        }
        func optionalID(_ name: String) -> UUID?? {
            switch fields[name] {
            case .null?: return .some(nil)
            case .string(let text)?: return UUID(uuidString: text).map { .some($0) }
            default: return nil
            }
        }
        guard let assistantID = optionalID("ast"), let sessionID = optionalID("ses") else { return nil }
        self.init(
            signingKeyID: kidValue, organizationID: organizationID, keyID: keyID, scopes: scopes, assistantID: assistantID,
            sessionID: sessionID, issuedAt: issuedAt, expiresAt: expiresAt)
    }

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of unpadded base64url text in its one canonical form: a last character whose
    /// unused low bits are set decodes to the same bytes, so it is refused, or a token would have
    /// several spellings that all verify.
    static func fromBase64URL(_ text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), base64URL(data) == text else { return nil }
        return data
    }
}

/// Signs and verifies browser tokens with the secrets in `token_signing_keys`, shared by every
/// responder through MariaDB. The newest unrevoked secret signs; every unrevoked one verifies, so
/// tokens signed before a rotation stay valid until they expire. Revoking a secret
/// (`companin token-signer revoke`) ends every token it signed, in each responder within
/// `refreshInterval`. A new secret is made when the newest is older than `rotationInterval`.
final class BrowserTokenSigner: Sendable {
    struct SigningKey: Sendable, Decodable {
        var id: Int
        var secret: [UInt8]
        var createdAt: Date
    }

    private struct State {
        var keys: [Int: SigningKey] = [:]
        var loaded: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    let refreshInterval: Duration
    let rotationInterval: TimeInterval
    /// The responder's connection: the signer is only used from that responder's one thread.
    nonisolated(unsafe) let database: Connection

    init(database: Connection, refreshInterval: Duration = .seconds(30), rotationInterval: TimeInterval = 7 * 86_400) {
        self.database = database
        self.refreshInterval = refreshInterval
        self.rotationInterval = rotationInterval
    }

    /// The unrevoked secrets, from MariaDB when the copy is older than `refreshInterval` or `force`.
    private func keys(force: Bool = false) throws -> [Int: SigningKey] {
        let now = ContinuousClock.now
        let cached = state.withLock { state -> [Int: SigningKey]? in
            guard !force, let loaded = state.loaded, now - loaded < refreshInterval else { return nil }
            return state.keys
        }
        if let cached { return cached }
        let rows = try database.fetchAll(
            SigningKey.self, "SELECT id, secret, created_at FROM token_signing_keys WHERE revoked_at IS NULL ORDER BY id")
        let keys = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
        state.withLock {
            $0.keys = keys
            $0.loaded = now
        }
        return keys
    }

    /// Signs the token with the newest secret, making one first when there is none or it is due.
    func sign(_ make: (Int) -> BrowserToken) throws -> (text: String, token: BrowserToken) {
        var newest = try keys().values.max { $0.id < $1.id }
        if newest.map({ Date.now.timeIntervalSince($0.createdAt) >= rotationInterval }) ?? true {
            newest = try rotate()
        }
        guard let newest else { throw HTTPError(.serviceUnavailable, detail: "No token signing secret") }
        let token = make(newest.id)
        let body = BrowserToken.marker + BrowserToken.base64URL(token.payload.serialized.utf8)
        let signature = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: newest.secret))
        return (body + "." + BrowserToken.base64URL(signature), token)
    }

    /// Adds a new signing secret; tokens signed with older ones stay valid.
    @discardableResult
    func rotate() throws -> SigningKey {
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let now = Date.now.truncatedToMicroseconds
        let id = try database.execute("INSERT INTO token_signing_keys (secret, created_at) VALUES (\(secret), \(now))").lastInsertID
        _ = try keys(force: true)
        return SigningKey(id: Int(id), secret: secret, createdAt: now)
    }

    /// The token in `text` when its signature is right, its secret unrevoked and it has not expired.
    func verify(_ text: String, now: Date = .now) throws -> BrowserToken? {
        guard text.hasPrefix(BrowserToken.marker), text.utf8.count <= 2_048 else { return nil }
        let parts = text.dropFirst(BrowserToken.marker.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payloadBytes = BrowserToken.fromBase64URL(parts[0]),
            let signature = BrowserToken.fromBase64URL(parts[1]),
            let payload = try? JSONValue.parse(payloadBytes), let token = BrowserToken(payload: payload)
        else { return nil }
        var key = try keys()[token.signingKeyID]
        if key == nil, state.withLock({ $0.loaded.map { ContinuousClock.now - $0 > .seconds(1) } ?? true }) {
            // A secret made by another responder since the last load; at most one reload a second.
            key = try keys(force: true)[token.signingKeyID]
        }
        guard let key else { return nil }
        let signed = Data((BrowserToken.marker + parts[0]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: SymmetricKey(data: key.secret)) else {
            return nil
        }
        guard Double(token.expiresAt) > now.timeIntervalSince1970 else { return nil }
        return token
    }
}

/// `Authorization: Bearer cmt_…`. The token's principal is its minting key's, narrowed: only the
/// scopes both have, bound to the token's assistant and session. A token whose key was revoked or
/// expired ends with it; a tampered, expired or revoked-signer token is refused like a bad key.
struct BrowserTokenAuthenticator: Authenticator {
    let signer: BrowserTokenSigner
    let credentials: CredentialCache

    func authenticate(_ request: Request, context: AppContext) throws -> Principal? {
        guard let header = request.headers["Authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let text = parts[1].trimmingHeaderWhitespace()
        // Another policy's bearer token; not ours to judge.
        guard text.hasPrefix(BrowserToken.marker) else { return nil }
        guard let token = try signer.verify(text) else { throw HTTPError.unauthorized }
        let keyID = token.keyID
        guard
            let key = try credentials.principal(
                hash: Array("key-id:\(keyID.uuidString)".utf8),
                lookup: { try APIKeyStore(database: context.database).authenticate(keyID: keyID) }),
            key.organizationID == token.organizationID
        else { throw HTTPError.unauthorized }
        let scopes = token.scopes.filter { key.has($0) }
        guard !scopes.isEmpty, !scopes.contains(.admin) else { throw HTTPError.unauthorized }
        var principal = key
        principal.kind = .browserToken
        principal.scopes = scopes
        principal.assistantID = key.assistantID ?? token.assistantID
        principal.sessionID = token.sessionID
        principal.isOperator = false
        return principal
    }
}

/// The operator's view of the signing secrets (`companin key token-signer`); never shows a secret.
public struct TokenSigners {
    let database: Connection

    public init(database: Connection) { self.database = database }

    public struct Signer: Decodable {
        public var id: Int
        public var createdAt: Date
        public var revokedAt: Date?
    }

    public func list() throws -> [Signer] {
        try database.fetchAll(Signer.self, "SELECT id, created_at, revoked_at FROM token_signing_keys ORDER BY id")
    }

    /// Adds a secret that signs from now on; returns its id.
    public func rotate() throws -> Int {
        try BrowserTokenSigner(database: database).rotate().id
    }

    /// `false` when there is no such valid secret.
    public func revoke(_ id: Int) throws -> Bool {
        try database.execute(
            "UPDATE token_signing_keys SET revoked_at = \(Date.now.truncatedToMicroseconds) WHERE id = \(id) AND revoked_at IS NULL"
        ).affectedRows == 1
    }
}
