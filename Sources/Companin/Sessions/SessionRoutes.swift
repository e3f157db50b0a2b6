import Foundation
import HTTP

/// `/api/v1/sessions/…`: sessions opened by customer-facing channels, anonymous or authenticated,
/// with expiry, identification of anonymous visitors, and ending.
enum SessionRoutes {
    /// The filters of `GET /api/v1/sessions/`, besides the page and `created_after`/`created_before`.
    enum Query {
        static let assistantID = Field("assistant_id", .uuid)
        static let visitorID = Field("visitor_id", .uuid)
        static let externalID = Field("external_id", .string(maxLength: VisitorInput.maximumExternalIDLength))
        static let channel = Field("channel", .string(maxLength: SessionInput.maximumChannelLength))
        static let state = Field("state", .choice(Session.State.allCases.map(\.rawValue)))
        static let all = [assistantID, visitorID, externalID, channel, state]
    }

    static func register(on router: inout Router<AppContext>, configuration: SessionConfiguration) {
        router.post("/api/v1/sessions/") { request, context in
            var input = try SessionInput(try request.jsonObjectBody(), partial: false, configuration: configuration)
            if context.principal?.sessionID != nil { throw HTTPError(.forbidden, detail: "This token is bound to one session") }
            var noSession: UUID?
            try context.bind(assistant: &input.assistantID, session: &noSession)
            let store = try store(context)
            let ttl = configuration.ttl(requested: input.ttlSeconds, organizationDefault: context.principal?.sessionTTLSeconds)
            let session = try store.create(input, ttlSeconds: ttl, by: context.principal?.keyID)
            return try Response.json(try store.view(session), status: .created)
        }
        router.get("/api/v1/sessions/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let filter = SessionStore.Filter(
                assistantID: query.uuid(Query.assistantID), visitorID: query.uuid(Query.visitorID),
                externalID: query.string(Query.externalID), channel: query.string(Query.channel)?.lowercased(),
                state: query.choice(Query.state, Session.State.self),
                createdAfter: query.timestamp(ListQuery.createdAfter), createdBefore: query.timestamp(ListQuery.createdBefore))
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
        try checkReach(context, session: id)
        return id
    }

    /// For a key or token bound to an assistant or session: the session must be within the binding
    /// (else `404`, as for another organization's).
    static func checkReach(_ context: AppContext, session id: UUID, otherwise notFound: any Error = SessionStore.notFound) throws {
        guard let principal = context.principal else { throw HTTPError.unauthorized }
        guard principal.assistantID != nil || principal.sessionID != nil else { return }
        guard let session = try SessionStore(db: try context.organizationDatabase()).find(id),
            principal.reaches(assistant: session.assistantID, session: id)
        else { throw notFound }
    }
}

/// `/api/v1/contexts…`: visitor attributes and CRM references attached to sessions, in order.
enum ContextRoutes {
    /// The filters of `GET /api/v1/contexts/`, besides the page: the CRM columns' lengths.
    enum Query {
        static let sessionID = Field("session_id", .uuid)
        static let crmSystem = Field("crm_system", .string(maxLength: 100))
        static let crmRecordID = Field("crm_record_id", .string(maxLength: 255))
        static let all = [sessionID, crmSystem, crmRecordID]
    }

    static func register(on router: inout Router<AppContext>) {
        router.post("/api/v1/contexts/") { request, context in
            let input = try ContextInput(try request.jsonObjectBody(), partial: false)
            // Both are required: a create without them failed validation above.
            guard let sessionID = input.sessionID, let attributes = input.attributes else { throw HTTPError(.internalServerError) }
            try SessionRoutes.checkReach(context, session: sessionID)
            let created = try store(context).create(
                sessionID: sessionID, attributes: attributes, crm: input.crm ?? nil,
                by: context.principal?.keyID)
            return try Response.json(created, status: .created)
        }
        router.get("/api/v1/contexts/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let filter = ContextStore.Filter(
                sessionID: query.uuid(Query.sessionID), crmSystem: query.string(Query.crmSystem),
                crmRecordID: query.string(Query.crmRecordID))
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
        if let principal = context.principal, principal.assistantID != nil || principal.sessionID != nil {
            guard let found = try store(context).find(id) else { throw ContextStore.notFound }
            try SessionRoutes.checkReach(context, session: found.sessionID, otherwise: ContextStore.notFound)
        }
        return id
    }
}

/// `/api/v1/visitors/…`: a visitor's journey across channels, by visitor id or external id.
enum VisitorRoutes {
    /// The filters of `GET /api/v1/visitors/`, besides the page.
    enum Query {
        static let externalID = SessionRoutes.Query.externalID
        static let identified = Field("identified", .boolean)
        static let all = [externalID, identified]
    }

    static func register(on router: inout Router<AppContext>) {
        router.get("/api/v1/visitors/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let externalID = query.string(Query.externalID)
            let identified = query.bool(Query.identified)
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
