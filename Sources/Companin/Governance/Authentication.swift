import Foundation
import HTTP

/// One way of telling who a request acts for. A deployment adds its own (a signed header from its
/// gateway, a session cookie of its own site) by passing it to `CompaninCommandLine.main`; the
/// policies are asked in order and the first principal wins.
public protocol Authenticator: Sendable {
    /// The principal, or `nil` when the request carries nothing this policy reads. A policy that
    /// recognizes its credential but finds it bad throws `HTTPError.unauthorized`, so a later policy
    /// cannot accept the same request on other grounds.
    func authenticate(_ request: Request, context: AppContext) throws -> Principal?
}

/// Runs the authenticators in order. Nothing recognized, or a credential refused, answers the same
/// `401 {"detail": "Unauthorized"}`: a caller learns nothing about which keys or tokens exist.
struct AuthenticationMiddleware: Middleware {
    let authenticators: [any Authenticator]

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        for authenticator in authenticators {
            guard let principal = try authenticator.authenticate(request, context: context) else { continue }
            var context = context
            context.principal = principal
            context.logger[metadataKey: "organization_id"] = "\(principal.organizationID.uuidString.lowercased())"
            context.logger[metadataKey: "api_key_id"] = "\(principal.keyID.uuidString.lowercased())"
            return try next(request, context)
        }
        throw HTTPError.unauthorized
    }
}

/// `X-API-Key: cmp_…`: the key's hash is looked up (through the responder's cache); unknown,
/// revoked and expired keys are refused.
public struct APIKeyAuthenticator: Authenticator {
    /// Longer values cannot be keys; they are refused without touching the database.
    static let maximumKeyLength = 128

    let cache: CredentialCache

    public func authenticate(_ request: Request, context: AppContext) throws -> Principal? {
        guard let header = request.headers["X-API-Key"] else { return nil }
        let secret = header.trimmingHeaderWhitespace()
        guard !secret.isEmpty, secret.utf8.count <= Self.maximumKeyLength else { throw HTTPError.unauthorized }
        let hash = APIKey.hash(secret)
        let found = try cache.principal(hash: hash) {
            try APIKeyStore(database: context.database).authenticate(hash: hash)
        }
        guard let found else { throw HTTPError.unauthorized }
        return found
    }
}
