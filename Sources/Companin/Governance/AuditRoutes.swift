import Foundation
import HTTP

/// `GET /analytics/audit/`: the organization's administrative actions, newest first, for `admin`
/// and `analytics` keys.
enum AuditRoutes {
    enum Query {
        static let action = Field("action", .string(minLength: 1, maxLength: 64), "Only this action, e.g. key.revoked")
        static let actorKeyID = Field("actor_key_id", .uuid, "Only actions of this key")
        static let filters = [action, actorKeyID, AnalyticsRoutes.Query.from, AnalyticsRoutes.Query.to]
    }

    static func register(on router: inout Router<AppContext>) {
        router.get("/analytics/audit/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let filter = AuditLog.Filter(
                action: query.string(Query.action), actorKeyID: query.uuid(Query.actorKeyID),
                after: query.timestamp(AnalyticsRoutes.Query.from), before: query.timestamp(AnalyticsRoutes.Query.to))
            try query.finish()
            return try Response.json(try AuditLog(db: try context.organizationDatabase()).page(filter, page))
        }
    }
}
