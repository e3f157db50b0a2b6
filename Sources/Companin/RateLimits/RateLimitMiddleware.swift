import Foundation
import HTTP
import RateLimiter

/// Enforces each organization's hourly limit after authentication, on the limiter shared by every
/// responder. Every authenticated response says where the caller stands; a refused request answers
/// `429` with `Retry-After`, consumes no quota, and is recorded for audit.
struct RateLimitMiddleware: Middleware {
    let limiter: RateLimiter
    let defaultPerHour: Int
    let breaches: BreachLog

    static let policyName = "org-hourly"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        guard let principal = context.principal else { throw HTTPError.unauthorized }
        let limit = principal.rateLimitPerHour ?? defaultPerHour
        let decision = limiter.check(RateLimitKey(uuid: principal.organizationID), limit: limit)
        if let evicted = decision.evicted {
            context.logger.warning(
                "rate limiter table full; reclaimed the least recently seen bucket",
                metadata: [
                    "evicted_organization_id": "\(evicted)",
                    "capacity": "\(limiter.capacity)",
                ])
        }
        guard decision.allowed else {
            context.trace.throttled = true
            breaches.record(
                BreachLog.Breach(
                    organizationID: principal.organizationID, apiKeyID: principal.keyID,
                    method: request.method.rawValue, path: request.path, clientAddress: request.remoteAddress,
                    limitPerHour: limit, occurredAt: .now))
            var headers = Self.headers(for: decision)
            headers.set("Retry-After", String(decision.retryAfterSeconds))
            throw HTTPError(.tooManyRequests, detail: "Rate limit exceeded", headers: headers)
        }
        var response = try next(request, context)
        for (name, value) in Self.headers(for: decision) { response.headers.set(name, value) }
        return response
    }

    /// The de facto `X-RateLimit-*` fields and the IETF draft's `RateLimit-Policy` and `RateLimit`.
    static func headers(for decision: RateLimitDecision) -> HTTPHeaders {
        [
            "X-RateLimit-Limit": String(decision.limit),
            "X-RateLimit-Remaining": String(decision.remaining),
            "X-RateLimit-Reset": String(decision.resetSeconds),
            "RateLimit-Policy": "\"\(policyName)\";q=\(decision.limit);w=3600",
            "RateLimit": "\"\(policyName)\";r=\(decision.remaining);t=\(decision.resetSeconds)",
        ]
    }
}
