import Foundation
import HTTP
import RateLimiter

/// Enforces each organization's hourly limit after authentication, on the limiter shared by every
/// responder. Every authenticated response says where the caller stands; a refused request answers
/// `429` with `Retry-After`, consumes no quota, and is recorded for audit.
///
/// With `leases` (scope `cluster`) a request also spends one request leased from the
/// organization's quota in MariaDB (`QuotaLeases`); a lease is asked for only when the host runs
/// low, by one responder at a time, so most requests make no round trip for it.
struct RateLimitMiddleware: Middleware {
    let limiter: RateLimiter
    let defaultPerHour: Int
    let breaches: BreachLog
    var leases: QuotaLeases? = nil

    static let policyName = "org-hourly"

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) throws -> Response) throws -> Response {
        guard let principal = context.principal else { throw HTTPError.unauthorized }
        let limit = principal.rateLimitPerHour ?? defaultPerHour
        let key = RateLimitKey(uuid: principal.organizationID)
        let decision =
            if let leases {
                try leasedDecision(key, limit: limit, organizationID: principal.organizationID, leases: leases, context: context)
            } else {
                limiter.check(key, limit: limit)
            }
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

    /// The local bucket and the host's lease together. Waits (briefly) while another responder
    /// leases; a lease the database cannot give fails the request (`503`) rather than admitting it
    /// past the cluster's count.
    private func leasedDecision(
        _ key: RateLimitKey, limit: Int, organizationID: UUID, leases: QuotaLeases, context: AppContext
    ) throws -> RateLimitDecision {
        let giveUpAt = RateLimiter.now() + 2 * RateLimiter.renewalTimeout
        while true {
            switch limiter.checkLeased(key, limit: limit) {
            case .admitted(let decision, let renew, let held):
                if renew {
                    // Renewing before the host runs out: a failure here costs nothing yet.
                    do {
                        try lease(key, limit: limit, held: held, organizationID: organizationID, leases: leases, context: context)
                    } catch {
                        context.logger.warning("renewing the rate-limit lease failed", metadata: ["error": "\(error)"])
                    }
                }
                return decision
            case .rejected(let decision):
                return decision
            case .leaseNeeded(let held):
                try lease(key, limit: limit, held: held, organizationID: organizationID, leases: leases, context: context)
            case .leaseInFlight:
                guard RateLimiter.now() < giveUpAt else { throw HTTPError.serviceUnavailable(retryAfter: 1) }
                usleep(200)
            }
        }
    }

    private func lease(
        _ key: RateLimitKey, limit: Int, held: Int, organizationID: UUID, leases: QuotaLeases, context: AppContext
    ) throws {
        let startedAt = RateLimiter.now()
        let granted: RateLimiter.Lease
        do {
            granted = try leases.lease(
                organizationID: organizationID, limit: limit, held: held, startedAt: startedAt, database: context.database)
        } catch {
            limiter.abandonRenewal(key)
            throw error
        }
        limiter.deposit(key, granted, retryAt: RateLimiter.now() + QuotaLeases.exhaustedRetry)
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
