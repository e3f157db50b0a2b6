import Foundation
import HTTP

/// Authenticates every request by its `X-API-Key`. Missing, unknown and revoked keys all answer the
/// same `401 {"detail": "Unauthorized"}`, so a caller learns nothing about which keys exist.
struct APIKeyMiddleware: Middleware {
    /// Longer values cannot be keys; they are refused without touching the database.
    static let maximumKeyLength = 128

    let cache: CredentialCache

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        guard let secret = request.headers["X-API-Key"]?.trimmingCharacters(in: .whitespaces),
            !secret.isEmpty, secret.utf8.count <= Self.maximumKeyLength
        else {
            throw HTTPError.unauthorized
        }
        let hash = APIKey.hash(secret)
        guard
            let key = try cache.credentials(
                hash: hash,
                lookup: {
                    try APIKeyStore(database: context.database).authenticate(hash: hash)
                })
        else {
            throw HTTPError.unauthorized
        }
        var context = context
        context.credentials = key
        context.logger[metadataKey: "organization_id"] = "\(key.organizationID.uuidString.lowercased())"
        context.logger[metadataKey: "api_key_id"] = "\(key.keyID.uuidString.lowercased())"
        return try next(request, context)
    }
}
