import Foundation
import HTTP

/// `/api/v1/sessions/…`: sessions opened by customer-facing channels, anonymous or authenticated,
/// with expiry, identification of anonymous visitors, and ending.
enum SessionRoutes {
    static func register(on router: inout Router<AppContext>, configuration: SessionConfiguration) {
        router.post("/api/v1/sessions/") { request, context in
            let input = try SessionInput(try request.jsonObjectBody(), partial: false, configuration: configuration)
            let store = try store(context)
            let ttl = configuration.ttl(requested: input.ttlSeconds, organizationDefault: context.credentials?.sessionTTLSeconds)
            let session = try store.create(input, ttlSeconds: ttl, by: context.credentials?.keyID)
            return try Response.json(try store.view(session), status: .created)
        }
        router.get("/api/v1/sessions/") { request, context in
            let page = try Pagination(request)
            var query = QueryReader(request)
            let filter = SessionStore.Filter(
                assistantID: query.uuid("assistant_id"), visitorID: query.uuid("visitor_id"),
                externalID: query.string("external_id", maxLength: VisitorInput.maximumExternalIDLength),
                channel: query.string("channel", maxLength: SessionInput.maximumChannelLength)?.lowercased(),
                state: query.choice("state", Session.State.self),
                createdAfter: query.timestamp("created_after"), createdBefore: query.timestamp("created_before"))
            try query.finish()
            let store = try store(context)
            let found = try store.list(filter, page)
            return try Response.json(Page(items: try store.views(found.items), count: found.count))
        }
        router.get("/api/v1/sessions/:session_id") { _, context in
            let store = try store(context)
            guard let session = try store.find(try sessionID(context)) else { throw SessionStore.notFound }
            return try Response.json(try store.view(session))
        }
        router.patch("/api/v1/sessions/:session_id") { request, context in
            let id = try sessionID(context)
            let input = try SessionInput(try request.jsonObjectBody(), partial: true, configuration: configuration)
            let store = try store(context)
            return try Response.json(try store.view(try store.update(id, input)))
        }
        router.post("/api/v1/sessions/:session_id/end") { request, context in
            let id = try sessionID(context)
            var reason: String?
            // The body is optional: `{"reason": "…"}`.
            if !request.body.isEmpty {
                var reader = try request.jsonObjectBody()
                reason = reader.string(SessionInput.endReason)
                try reader.finish()
            }
            let store = try store(context)
            return try Response.json(try store.view(try store.end(id, reason: reason)))
        }
    }

    private static func store(_ context: AppContext) throws -> SessionStore {
        SessionStore(db: try context.organizationDatabase())
    }

    /// The session named in the path; a malformed id is as unknown as another organization's.
    private static func sessionID(_ context: AppContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("session_id")) else { throw SessionStore.notFound }
        return id
    }
}

/// `/api/v1/contexts…`: visitor attributes and CRM references attached to sessions, in order.
enum ContextRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.post("/api/v1/contexts/") { request, context in
            let input = try ContextInput(try request.jsonObjectBody(), partial: false)
            // Both are required: a create without them failed validation above.
            guard let sessionID = input.sessionID, let attributes = input.attributes else { throw HTTPError(.internalServerError) }
            let created = try store(context).create(
                sessionID: sessionID, attributes: attributes, crm: input.crm ?? nil,
                by: context.credentials?.keyID)
            return try Response.json(created, status: .created)
        }
        router.get("/api/v1/contexts/") { request, context in
            let page = try Pagination(request)
            var query = QueryReader(request)
            let filter = ContextStore.Filter(
                sessionID: query.uuid("session_id"), crmSystem: query.string("crm_system", maxLength: 100),
                crmRecordID: query.string("crm_record_id", maxLength: 255))
            try query.finish()
            let store = try store(context)
            if let id = filter.sessionID, try store.sessions.find(id) == nil { throw SessionStore.notFound }
            let found = try store.list(filter, page)
            return try Response.json(Page(items: found.items, count: found.count))
        }
        router.get("/api/v1/contexts/:context_id") { _, context in
            guard let found = try store(context).find(try contextID(context)) else { throw ContextStore.notFound }
            return try Response.json(found)
        }
        router.patch("/api/v1/contexts/:context_id") { request, context in
            let id = try contextID(context)
            let input = try ContextInput(try request.jsonObjectBody(), partial: true)
            return try Response.json(try store(context).update(id, attributes: input.attributes, crm: input.crm))
        }
        router.delete("/api/v1/contexts/:context_id") { _, context in
            try store(context).delete(try contextID(context))
            return .noContent
        }
    }

    private static func store(_ context: AppContext) throws -> ContextStore {
        ContextStore(db: try context.organizationDatabase())
    }

    private static func contextID(_ context: AppContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("context_id")) else { throw ContextStore.notFound }
        return id
    }
}

/// `/api/v1/visitors/…`: a visitor's journey across channels, by visitor id or external id.
enum VisitorRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.get("/api/v1/visitors/") { request, context in
            let page = try Pagination(request)
            var query = QueryReader(request)
            let externalID = query.string("external_id", maxLength: VisitorInput.maximumExternalIDLength)
            let identified = query.bool("identified")
            try query.finish()
            let store = try store(context)
            let found = try store.list(externalID: externalID, identified: identified, page)
            return try Response.json(Page(items: try store.journeys(found.items), count: found.count))
        }
        router.get("/api/v1/visitors/:visitor_id") { _, context in
            let store = try store(context)
            guard let id = UUID(uuidString: try context.parameters.require("visitor_id")),
                let visitor = try store.find(id)
            else { throw VisitorStore.notFound }
            return try Response.json(try store.journeys([visitor])[0])
        }
    }

    private static func store(_ context: AppContext) throws -> VisitorStore {
        VisitorStore(db: try context.organizationDatabase())
    }
}
