import HTTP

/// Which scopes may call each route: one table for the whole API, checked before any handler runs,
/// and printed in the API reference. `admin` may call every route; a route no rule names is
/// `admin`-only, so a new route is closed until someone opens it here.
enum AccessPolicy {
    /// The scopes besides `admin` that may call `method` on `template`.
    static func scopes(_ method: HTTPMethod, _ template: String) -> Set<AccessScope> {
        var scopes: Set<AccessScope> = []
        // Analytics keys read; answering a knowledge gap writes knowledge, which is admin's.
        if template.hasPrefix("/analytics/"), method == .get { scopes.insert(.analytics) }
        if readRoute(method, template) { scopes.insert(.read) }
        if widgetRoutes.contains(RouteKey(method: method, template: template)) { scopes.insert(.widget) }
        return scopes
    }

    /// Reading resources of the organization; keys and tokens stay `admin`'s.
    private static func readRoute(_ method: HTTPMethod, _ template: String) -> Bool {
        guard template.hasPrefix("/api/v1/"), !template.hasPrefix("/api/v1/keys"), !template.hasPrefix("/api/v1/tokens") else {
            return false
        }
        if method == .get { return true }
        // Computations that change nothing.
        return method == .post
            && (template == "/api/v1/knowledge/search" || template == "/api/v1/assistants/:assistant_id/templates/:name/render")
    }

    struct RouteKey: Hashable {
        var method: HTTPMethod
        var template: String
    }

    /// What a chat widget does for one visitor, each resource by its id: no listing, no deleting.
    /// Handlers also check a key's or token's binding to one assistant or session.
    static let widgetRoutes: Set<RouteKey> = {
        let session = "/api/v1/sessions/:session_id"
        let context = "/api/v1/contexts/:context_id"
        let conversation = "/api/v1/conversations/:conversation_id"
        let routes: [(HTTPMethod, String)] = [
            (.post, "/api/v1/sessions/"), (.get, session), (.patch, session), (.post, session + "/end"),
            (.post, "/api/v1/contexts/"), (.get, context), (.patch, context),
            (.post, "/api/v1/conversations/"), (.get, conversation), (.post, conversation + "/close"),
            (.post, conversation + "/handoff"), (.get, conversation + "/messages"), (.post, conversation + "/messages"),
            (.get, conversation + "/feedback"), (.post, conversation + "/feedback"), (.get, conversation + "/transcript"),
            (.post, "/api/v1/tokens"),
        ]
        return Set(routes.map { RouteKey(method: $0.0, template: $0.1) })
    }()

    static let forbidden = HTTPError(.forbidden, detail: "This key's scopes do not allow this request")

    /// Wraps every route of `router` with its check.
    static func enforce(on router: inout Router<AppContext>) {
        router.wrapHandlers { route, handler in
            let allowed = scopes(route.method, route.template).union([.admin])
            return { request, context in
                guard let principal = context.principal else { throw HTTPError.unauthorized }
                guard !principal.scopes.isDisjoint(with: allowed) else { throw forbidden }
                return try handler(request, context)
            }
        }
    }
}
