import Foundation
import HTTP
import MariaDB

/// `POST /api/v1/tokens`: `{scopes?, assistant_id?, session_id?, ttl_seconds?}`.
struct TokenInput {
    var scopes: Set<AccessScope>?
    var assistantID: UUID?
    var sessionID: UUID?
    var ttlSeconds = 900

    init(_ reader: FieldReader) throws {
        var reader = reader
        scopes = reader.strings(Self.scopes).map { Set($0.compactMap(AccessScope.init(rawValue:))) }
        assistantID = reader.uuid(Self.assistantID)
        sessionID = reader.uuid(Self.sessionID)
        if let ttl = reader.int(Self.ttlSeconds) { ttlSeconds = Int(ttl) }
        try reader.finish()
    }

    static let fields = FieldSet([scopes, assistantID, sessionID, ttlSeconds])

    /// A token is for a browser: never `admin`.
    static let scopes = Field(
        "scopes", .list(of: .choice(["read", "analytics", "widget"]), minItems: 1, maxItems: 3),
        "What the token may do, within the key's own scopes; [\"widget\"] when left out")
    static let assistantID = Field("assistant_id", .uuid, "Bind the token to one assistant (a bound key's own assistant when left out)")
    static let sessionID = Field("session_id", .uuid, "Bind the token to one session: it reaches that session and its conversations only")
    static let ttlSeconds = Field(
        "ttl_seconds", .integer(minimum: 60, maximum: Int64(BrowserToken.maximumLifetime)), "Lifetime; 900 seconds when left out")
}

/// A minted token, shown once.
struct TokenView: Encodable {
    var token: String
    var tokenType = "Bearer"
    var expiresAt: Date
    var scopes: [AccessScope]
    var assistantID: UUID?
    var sessionID: UUID?
}

/// `POST /api/v1/tokens`: an `admin` or `widget` key mints a short-lived browser token, so a website
/// never ships an API key. Only keys mint (a token cannot mint another), within their own scopes
/// and binding; a session named must exist and be within the key's reach.
enum TokenRoutes {
    static func register(on router: inout Router<AppContext>, signer: BrowserTokenSigner) {
        router.post("/api/v1/tokens") { request, context in
            let input = try TokenInput(try request.jsonObjectBody())
            guard let principal = context.principal else { throw HTTPError.unauthorized }
            guard principal.kind == .apiKey else { throw HTTPError(.forbidden, detail: "Only API keys mint tokens") }
            let scopes = input.scopes ?? [.widget]
            guard scopes.allSatisfy(principal.has) else {
                throw HTTPError(.forbidden, detail: "A token's scopes must be within the key's")
            }
            if let bound = principal.assistantID, let asked = input.assistantID, asked != bound {
                throw HTTPError(.forbidden, detail: "This key is bound to another assistant")
            }
            let db = try context.organizationDatabase()
            var assistantID = principal.assistantID ?? input.assistantID
            if let id = assistantID, try AssistantStore(db).find(id) == nil {
                throw notFound(TokenInput.assistantID)
            }
            if let sessionID = input.sessionID {
                guard
                    let session = try SessionStore(db: db).find(sessionID),
                    principal.reaches(assistant: session.assistantID, session: sessionID),
                    assistantID == nil || session.assistantID == assistantID
                else { throw notFound(TokenInput.sessionID) }
                assistantID = assistantID ?? session.assistantID
            }
            let now = Int64(Date.now.timeIntervalSince1970)
            let signed = try signer.sign { kid in
                BrowserToken(
                    signingKeyID: kid, organizationID: principal.organizationID, keyID: principal.keyID, scopes: scopes,
                    assistantID: assistantID, sessionID: input.sessionID, issuedAt: now, expiresAt: now + Int64(input.ttlSeconds))
            }
            return try Response.json(
                TokenView(
                    token: signed.text, expiresAt: Date(timeIntervalSince1970: TimeInterval(signed.token.expiresAt)),
                    scopes: scopes.sorted(), assistantID: assistantID, sessionID: input.sessionID),
                status: .created)
        }
    }

    private static func notFound(_ field: Field) -> ValidationError {
        ValidationError([
            FieldError(loc: [.key("body"), .key(field.name)], msg: "No such resource in this organization", type: "not_found")
        ])
    }
}
