import HTTP

/// The API's contract, in one place: every operation the router serves, with its parameters,
/// body and responses, assembled into the OpenAPI 3.1 document served at `/api/v1/openapi.json`.
/// A test fails when the router and this list differ.
enum APIContract {
    typealias S = JSONSchema

    struct Operation {
        enum Body {
            case json(JSONValue)
            case multipart(JSONValue)
            /// A JSON body or a CSV upload (Q&A bulk import).
            case jsonOrMultipart(JSONValue, JSONValue)
        }

        var method: HTTPMethod
        /// The router's template, e.g. `/api/v1/assistants/:assistant_id`.
        var path: String
        var tag: String
        var summary: String
        /// Query parameters, as the route's `QueryReader` reads them.
        var query: [Field] = []
        var body: Body?
        /// The body may be left out (an empty request body), as for a reason that is optional.
        var bodyOptional = false
        /// Success statuses and what they carry (`nil`: no body).
        var responses: [(status: Int, schema: JSONValue?)]
        var headers: [(name: String, schema: JSONValue)] = []
        var authenticated = true
        var extraErrors: [Int] = []
    }

    static let page = Pagination.query
    static let created = ListQuery.created
    static let window = AnalyticsRoutes.Query.window
    static let ifMatch: [(name: String, schema: JSONValue)] = [("If-Match", S.string())]

    /// A body of these fields, as the route reads it.
    static func body(_ fields: FieldSet) -> Operation.Body { .json(fields.schema) }

    /// A body of one field.
    static func body(_ field: Field) -> Operation.Body { body(FieldSet([field])) }

    /// A `multipart/form-data` body of these parts; `closed` when the route refuses parts it does not
    /// declare. A JSON object part travels as its text, so it is documented as a string.
    static func form(_ fields: FieldSet, closed: Bool = true) -> JSONValue {
        let closedSchema = fields.schema(nullAsAbsent: false)
        guard case .object(var schema) = closedSchema, case .object(var properties)? = schema["properties"] else {
            return closedSchema
        }
        for field in fields.fields {
            if case .object = field.kind { properties[field.name] = S.string(field.description) }
        }
        schema["properties"] = .object(properties)
        if !closed { schema["additionalProperties"] = nil }
        return .object(schema)
    }

    /// A header the route reads by its declaration.
    static func header(_ field: Field) -> (name: String, schema: JSONValue) { (field.name, field.schema) }

    /// A query parameter as its route reads it.
    static func parameter(_ field: Field) -> JSONValue {
        .object(["name": .string(field.name), "in": .string("query"), "required": .bool(field.required), "schema": field.schema])
    }

    static var operations: [Operation] {
        let assistant = S.ref("Assistant")
        let a = "/api/v1/assistants/:assistant_id"
        let files = "/api/v1/knowledge/files/"
        let qas = "/api/v1/knowledge/qas/"
        let urls = "/api/v1/knowledge/urls/"
        let c = "/api/v1/conversations/:conversation_id"
        return [
            // Assistants
            .init(
                method: .post, path: "/api/v1/assistants/", tag: "Assistants", summary: "Create an assistant and its version 1",
                body: body(AssistantInput.createFields), responses: [(201, assistant)]),
            .init(
                method: .get, path: "/api/v1/assistants/", tag: "Assistants", summary: "List assistants (live configurations)",
                query: page, responses: [(200, S.page(of: assistant))]),
            .init(
                method: .get, path: a, tag: "Assistants", summary: "Read an assistant's live configuration", responses: [(200, assistant)]),
            .init(
                method: .patch, path: a, tag: "Assistants", summary: "Change an assistant (a new version, live or a draft)",
                body: body(AssistantInput.updateFields), responses: [(200, assistant)], headers: ifMatch, extraErrors: [412]),
            .init(method: .delete, path: a, tag: "Assistants", summary: "Delete (hide) an assistant", responses: [(204, nil)]),
            .init(
                method: .post, path: a + "/activate", tag: "Assistants", summary: "Activate an assistant",
                responses: [(200, assistant)], headers: ifMatch, extraErrors: [412]),
            .init(
                method: .post, path: a + "/deactivate", tag: "Assistants", summary: "Deactivate an assistant",
                responses: [(200, assistant)], headers: ifMatch, extraErrors: [412]),
            .init(
                method: .get, path: a + "/versions", tag: "Assistants", summary: "An assistant's versions, newest first",
                query: page, responses: [(200, S.page(of: S.ref("AssistantVersion")))]),
            .init(
                method: .get, path: a + "/versions/:version", tag: "Assistants", summary: "One version",
                responses: [(200, S.ref("AssistantVersion"))]),
            .init(
                method: .post, path: a + "/versions/:version/promote", tag: "Assistants", summary: "Make a version live (roll back)",
                responses: [(200, assistant)], headers: ifMatch, extraErrors: [412]),
            .init(
                method: .post, path: a + "/templates/:name/render", tag: "Assistants", summary: "Render a task template",
                body: body(TemplateRenderInput.fields), responses: [(200, S.ref("TemplateRendering"))]),
            .init(
                method: .get, path: a + "/knowledge", tag: "Knowledge", summary: "The sources an assistant sees",
                query: page, responses: [(200, S.ref("AssistantKnowledge"))]),
            .init(
                method: .put, path: a + "/knowledge/:source_id", tag: "Knowledge",
                summary: "Link a source to, or exclude it from, an assistant",
                body: body(KnowledgeLinkInput.fields),
                responses: [(200, S.ref("KnowledgeLink"))]),
            .init(
                method: .delete, path: a + "/knowledge/:source_id", tag: "Knowledge", summary: "Remove a source's link or exclusion",
                responses: [(204, nil)]),

            // Knowledge
            .init(
                method: .post, path: files, tag: "Knowledge", summary: "Upload a file (PDF, CSV, text, JSON, image)",
                body: .multipart(form(FileRoutes.form)),
                responses: [(202, S.ref("KnowledgeFile")), (200, S.ref("KnowledgeFile"))], extraErrors: [413, 415, 507]),
            .init(
                method: .get, path: files, tag: "Knowledge", summary: "List files",
                query: page + [FileRoutes.status], responses: [(200, S.page(of: S.ref("KnowledgeFile")))]),
            .init(
                method: .get, path: files + ":file_id", tag: "Knowledge", summary: "Read a file's record",
                responses: [(200, S.ref("KnowledgeFile"))]),
            .init(method: .delete, path: files + ":file_id", tag: "Knowledge", summary: "Delete a file", responses: [(204, nil)]),
            .init(
                method: .get, path: files + ":file_id/content", tag: "Knowledge", summary: "The original bytes",
                responses: [(200, S.string(format: "binary"))]),
            .init(
                method: .post, path: files + ":file_id/reprocess", tag: "Knowledge", summary: "Ingest a file again",
                responses: [(202, S.ref("KnowledgeFile"))]),
            .init(
                method: .post, path: qas, tag: "Knowledge", summary: "Add Q&A pairs: one, a JSON list, or a CSV upload",
                body: .jsonOrMultipart(
                    .object([
                        "oneOf": .array([
                            QAInput.fields.schema,
                            Field.Kind.list(of: .fields(QAInput.fields), minItems: 1, maxItems: QARoutes.maximumBulk).schema,
                        ])
                    ]),
                    form(FieldSet([QARoutes.csvFile]), closed: false)),
                responses: [(202, .object(["oneOf": .array([S.ref("QAPair"), S.page(of: S.ref("QAPair"))])]))],
                extraErrors: [409]),
            .init(
                method: .get, path: qas, tag: "Knowledge", summary: "List Q&A pairs",
                query: page + [FileRoutes.status, QARoutes.tag], responses: [(200, S.page(of: S.ref("QAPair")))]),
            .init(method: .get, path: qas + ":qa_id", tag: "Knowledge", summary: "Read a Q&A pair", responses: [(200, S.ref("QAPair"))]),
            .init(
                method: .patch, path: qas + ":qa_id", tag: "Knowledge", summary: "Change a Q&A pair",
                body: body(QAInput.updateFields.partial),
                responses: [(200, S.ref("QAPair")), (202, S.ref("QAPair"))]),
            .init(method: .delete, path: qas + ":qa_id", tag: "Knowledge", summary: "Delete a Q&A pair", responses: [(204, nil)]),
            .init(
                method: .post, path: urls, tag: "Knowledge", summary: "Ingest a live URL",
                body: body(URLInput.fields),
                responses: [(202, S.ref("URLSource"))]),
            .init(
                method: .get, path: urls, tag: "Knowledge", summary: "List URL sources",
                query: page + [FileRoutes.status], responses: [(200, S.page(of: S.ref("URLSource")))]),
            .init(
                method: .get, path: urls + ":url_id", tag: "Knowledge", summary: "Read a URL source", responses: [(200, S.ref("URLSource"))]
            ),
            .init(method: .delete, path: urls + ":url_id", tag: "Knowledge", summary: "Delete a URL source", responses: [(204, nil)]),
            .init(
                method: .post, path: urls + ":url_id/refresh", tag: "Knowledge", summary: "Fetch a URL again now",
                responses: [(202, S.ref("URLSource"))]),
            .init(
                method: .post, path: "/api/v1/knowledge/search", tag: "Knowledge", summary: "Hybrid search over ready chunks",
                body: body(SearchInput.fields),
                responses: [(200, S.ref("SearchResult"))]),
            .init(
                method: .post, path: "/api/v1/knowledge/reembed/", tag: "Knowledge", summary: "Recompute embeddings",
                body: body(ReembedInput.fields),
                responses: [(202, S.ref("ReembedBatch")), (200, S.ref("ReembedBatch"))]),
            .init(
                method: .get, path: "/api/v1/knowledge/reembed/", tag: "Knowledge",
                summary: "Re-embedding batches, newest first (requested ones, and the workers' own after a model change)",
                query: page, responses: [(200, S.page(of: S.ref("ReembedBatch")))]),
            .init(
                method: .get, path: "/api/v1/knowledge/reembed/:batch_id", tag: "Knowledge", summary: "A re-embedding batch's progress",
                responses: [(200, S.ref("ReembedBatch"))]),

            // Sessions, contexts, visitors
            .init(
                method: .post, path: "/api/v1/sessions/", tag: "Sessions", summary: "Open a session (anonymous or authenticated)",
                body: body(SessionInput.fields(.standard)), responses: [(201, S.ref("Session"))], extraErrors: [409]),
            .init(
                method: .get, path: "/api/v1/sessions/", tag: "Sessions", summary: "List sessions",
                query: page + created + SessionRoutes.Query.all, responses: [(200, S.page(of: S.ref("Session")))]),
            .init(
                method: .get, path: "/api/v1/sessions/:session_id", tag: "Sessions", summary: "Read a session with its merged context",
                responses: [(200, S.ref("Session"))]),
            .init(
                method: .patch, path: "/api/v1/sessions/:session_id", tag: "Sessions", summary: "Change a session or identify its visitor",
                body: body(SessionInput.updateFields(.standard)), responses: [(200, S.ref("Session"))], extraErrors: [409, 410]),
            .init(
                method: .post, path: "/api/v1/sessions/:session_id/end", tag: "Sessions", summary: "End a session",
                body: body(SessionInput.endReason), bodyOptional: !SessionInput.endReason.required, responses: [(200, S.ref("Session"))],
                extraErrors: [410]),
            .init(
                method: .post, path: "/api/v1/contexts/", tag: "Sessions", summary: "Attach visitor attributes to a session",
                body: body(ContextInput.fields),
                responses: [(201, S.ref("Context"))], extraErrors: [410]),
            .init(
                method: .get, path: "/api/v1/contexts/", tag: "Sessions", summary: "List contexts",
                query: page + ContextRoutes.Query.all, responses: [(200, S.page(of: S.ref("Context")))], extraErrors: [404]),
            .init(
                method: .get, path: "/api/v1/contexts/:context_id", tag: "Sessions", summary: "Read a context",
                responses: [(200, S.ref("Context"))]),
            .init(
                method: .patch, path: "/api/v1/contexts/:context_id", tag: "Sessions",
                summary: "Replace a context's attributes or CRM reference",
                body: body(ContextInput.updateFields),
                responses: [(200, S.ref("Context"))], extraErrors: [410]),
            .init(
                method: .delete, path: "/api/v1/contexts/:context_id", tag: "Sessions", summary: "Remove a context",
                responses: [(204, nil)], extraErrors: [410]),
            .init(
                method: .get, path: "/api/v1/visitors/", tag: "Sessions", summary: "Visitors with their journeys",
                query: page + VisitorRoutes.Query.all, responses: [(200, S.page(of: S.ref("VisitorJourney")))]),
            .init(
                method: .get, path: "/api/v1/visitors/:visitor_id", tag: "Sessions", summary: "A visitor's journey across channels",
                responses: [(200, S.ref("VisitorJourney"))]),

            // Conversations
            .init(
                method: .post, path: "/api/v1/conversations/", tag: "Conversations", summary: "Open a conversation",
                body: body(ConversationInput.fields),
                responses: [(201, S.ref("Conversation"))], extraErrors: [409, 410]),
            .init(
                method: .get, path: "/api/v1/conversations/", tag: "Conversations", summary: "List conversations",
                query: page + created + ConversationRoutes.Query.filters, responses: [(200, S.page(of: S.ref("Conversation")))]),
            .init(method: .get, path: c, tag: "Conversations", summary: "Read a conversation", responses: [(200, S.ref("Conversation"))]),
            .init(
                method: .post, path: c + "/close", tag: "Conversations", summary: "Close a conversation",
                body: body(ReasonInput.close), bodyOptional: !ReasonInput.close.required, responses: [(200, S.ref("Conversation"))]),
            .init(
                method: .post, path: c + "/handoff", tag: "Conversations", summary: "Hand a conversation to a human",
                body: body(ReasonInput.handoff), bodyOptional: !ReasonInput.handoff.required,
                responses: [(200, S.ref("Conversation"))], extraErrors: [409]),
            .init(
                method: .get, path: c + "/messages", tag: "Conversations", summary: "Messages, oldest first, by cursor",
                query: [ConversationRoutes.Query.after, Pagination.Fields.limit], responses: [(200, S.ref("MessagePage"))]),
            .init(
                method: .post, path: c + "/messages", tag: "Conversations",
                summary: "Post a message; a visitor's gets the assistant's reply",
                body: body(MessageInput.fields),
                responses: [(201, S.ref("PostedMessage"))], headers: [header(ConversationRoutes.Headers.idempotencyKey)],
                extraErrors: [409, 410]),
            .init(
                method: .get, path: c + "/feedback", tag: "Conversations", summary: "Ratings of a conversation",
                query: [ConversationRoutes.Query.history], responses: [(200, S.page(of: S.ref("Feedback")))]),
            .init(
                method: .post, path: c + "/feedback", tag: "Conversations", summary: "Rate a conversation or one of its messages",
                body: body(FeedbackInput.fields),
                responses: [(201, S.ref("Feedback")), (200, S.ref("Feedback"))]),
            .init(
                method: .get, path: c + "/transcript", tag: "Conversations", summary: "The whole conversation with its feedback",
                responses: [(200, S.ref("Transcript"))]),

            // Analytics
            .init(
                method: .get, path: "/analytics/logs/", tag: "Analytics", summary: "Request log rows, newest first",
                query: window + page + AnalyticsRoutes.Query.logFilters, responses: [(200, S.page(of: S.ref("LogRow")))],
                extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/usage/", tag: "Analytics",
                summary: "Requests, errors, throttling and latency per hour or day",
                query: window + [AnalyticsRoutes.Query.granularity], responses: [(200, S.ref("Usage"))], extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/endpoints/", tag: "Analytics", summary: "The endpoint mix per route template",
                query: window, responses: [(200, S.page(of: S.ref("EndpointFigures")))], extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/rate-limits/", tag: "Analytics",
                summary: "Throttling per bucket and key, and the live limiter",
                query: window + [AnalyticsRoutes.Query.granularity], responses: [(200, S.ref("RateLimits"))],
                extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/keys/", tag: "Analytics",
                summary: "The API keys in scope with their requests in the window",
                query: window, responses: [(200, S.page(of: S.ref("KeyActivity")))], extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/feedback/", tag: "Analytics",
                summary: "Satisfaction (CSAT) over time and per assistant version, and the latest comments",
                query: window + [AnalyticsRoutes.Query.granularity], responses: [(200, S.ref("FeedbackReport"))],
                extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/knowledge/", tag: "Analytics",
                summary: "Knowledge sources per kind and status now, and the latest failed ones with their reasons",
                query: [AnalyticsRoutes.Query.organizationID],
                responses: [(200, S.ref("KnowledgeReport"))], extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/gaps/", tag: "Analytics",
                summary: "Knowledge gaps: handed-off, unsourced and poorly rated questions grouped by meaning, most asked first",
                query: window + GapRoutes.Query.filters + page, responses: [(200, S.page(of: S.ref("KnowledgeGap")))],
                extraErrors: [403]),
            .init(
                method: .get, path: "/analytics/gaps/:gap_id", tag: "Analytics", summary: "One knowledge gap with its figures",
                query: window + GapRoutes.Query.filters, responses: [(200, S.ref("KnowledgeGap"))], extraErrors: [403]),
            .init(
                method: .post, path: "/analytics/gaps/:gap_id/answer", tag: "Analytics",
                summary: "Answer a gap: write a Q&A pair linked to its assistants and mark the gap answered",
                body: body(GapAnswerInput.fields), responses: [(202, S.ref("AnsweredGap"))], extraErrors: [403, 409]),
            .init(
                method: .get, path: "/analytics/audit/", tag: "Analytics",
                summary: "Administrative actions (keys, limits, promotions, deletions), newest first",
                query: page + AuditRoutes.Query.filters, responses: [(200, S.page(of: S.ref("AuditEvent")))]),

            // Keys and tokens
            .init(
                method: .post, path: "/api/v1/keys/", tag: "Keys", summary: "Issue a key (its secret is shown once)",
                body: body(KeyInput.createFields), responses: [(201, S.ref("IssuedKey"))]),
            .init(
                method: .get, path: "/api/v1/keys/", tag: "Keys", summary: "The organization's keys (never their secrets)",
                query: page + [KeyRoutes.Query.includeInactive], responses: [(200, S.page(of: S.ref("APIKey")))]),
            .init(method: .get, path: "/api/v1/keys/:key_id", tag: "Keys", summary: "One key", responses: [(200, S.ref("APIKey"))]),
            .init(
                method: .patch, path: "/api/v1/keys/:key_id", tag: "Keys", summary: "Rename a key or change its scopes",
                body: body(KeyInput.updateFields), responses: [(200, S.ref("APIKey"))]),
            .init(
                method: .post, path: "/api/v1/keys/:key_id/rotate", tag: "Keys",
                summary: "Issue a successor; the old key works for overlap_seconds more",
                body: body(KeyRotationInput.fields), bodyOptional: true, responses: [(201, S.ref("IssuedKey"))], extraErrors: [409]),
            .init(
                method: .delete, path: "/api/v1/keys/:key_id", tag: "Keys", summary: "Revoke a key at once", responses: [(204, nil)]),
            .init(
                method: .post, path: "/api/v1/tokens", tag: "Keys",
                summary: "Mint a short-lived browser token (Authorization: Bearer), bound to an assistant and session",
                body: body(TokenInput.fields), responses: [(201, S.ref("BrowserToken"))]),
        ]
    }

    /// What a stored file may be, by its bytes (the content kinds ingestion accepts).
    static let fileMediaTypes = [
        "application/pdf", "text/csv", "text/plain", "application/json", "text/html", "image/png", "image/jpeg",
        "image/webp", "application/octet-stream",
    ]

    // MARK: The document

    /// `/api/v1/assistants/:assistant_id` → `/api/v1/assistants/{assistant_id}`.
    static func openAPIPath(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    static var document: JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for operation in operations {
            paths[openAPIPath(operation.path), default: [:]][operation.method.rawValue.lowercased()] = describe(operation)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Companin API"), "version": .string("1"),
                "description": .string(
                    """
                    Organizations, assistants, knowledge, sessions, conversations and analytics. Every call carries X-API-Key, which \
                    maps to one organization; ids of another organization answer 404. Errors: {"detail": "…"}, validation 422 with \
                    {"detail": [{"loc", "msg", "type"}]}. Every path is also served with a trailing slash, or without one.
                    """),
            ]),
            "servers": .array([.object(["url": .string("/")])]),
            "security": .array([.object(["ApiKey": .array([])]), .object(["BrowserToken": .array([])])]),
            "tags": .array(["Assistants", "Knowledge", "Sessions", "Conversations", "Analytics"].map { .object(["name": .string($0)]) }),
            "paths": .object(paths.mapValues(JSONValue.object)),
            "components": .object([
                "securitySchemes": .object([
                    "ApiKey": .object(["type": .string("apiKey"), "in": .string("header"), "name": .string("X-API-Key")]),
                    "BrowserToken": .object([
                        "type": .string("http"), "scheme": .string("bearer"),
                        "description": .string("A token from POST /api/v1/tokens (cmt_…), valid up to an hour"),
                    ]),
                ]),
                "schemas": .object(APISchemas.all),
                "headers": .object(headers),
                "responses": .object(errorResponses),
            ]),
        ])
    }

    static let rateLimitHeaders = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "RateLimit-Policy", "RateLimit"]

    static var headers: [String: JSONValue] {
        var result: [String: JSONValue] = [
            "X-Request-ID": .object([
                "description": .string("The request's id, as nginx and the responder logged it"), "schema": S.string(),
            ]),
            "Retry-After": .object(["description": .string("Seconds to wait before trying again"), "schema": S.integer(minimum: 0)]),
            AnalyticsReads.header: .object([
                "description": .string(
                    "Where the figures were read: `replica; lag=SECONDS` (a replica at most COMPANIN_REPLICA_MAX_LAG_SECONDS behind), "
                        + "`primary`, `primary; replica=lagging` or `primary; replica=unavailable`"),
                "schema": .object([
                    "type": .string("string"),
                    "pattern": .string(#"^(replica; lag=[0-9]+\.[0-9]|primary(; replica=(lagging|unavailable))?)$"#),
                ]),
            ]),
        ]
        for name in rateLimitHeaders {
            result[name] = .object([
                "description": .string("The organization's hourly limit and where it stands"),
                "schema": name.hasPrefix("X-") ? S.integer(minimum: 0) : S.string(),
            ])
        }
        return result
    }

    static let errorDescriptions: [Int: String] = [
        400: "Malformed JSON or multipart body", 401: "X-API-Key missing, unknown or revoked", 403: "Not allowed for this key",
        404: "No such resource in the caller's organization", 409: "Conflicts with the resource's state",
        410: "The session expired or ended",
        412: "If-Match names a state that is no longer current", 413: "Body too large", 415: "Unsupported content type",
        422: "Validation failed", 429: "The organization's hourly limit is spent", 503: "The database is unreachable; try again",
        507: "The upload could not be stored (storage is full); try again later",
    ]

    static var errorResponses: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (status, description) in errorDescriptions {
            var response: [String: JSONValue] = [
                "description": .string(description),
                // A 422 lists the failed fields; the URL guard's refusal is a plain detail (the API's shape for it).
                "content": .object([
                    "application/json": .object([
                        "schema": status == 422
                            ? .object(["oneOf": .array([S.ref("ValidationError"), S.ref("Error")])]) : S.ref("Error")
                    ])
                ]),
                "headers": .object(["X-Request-ID": .object(["$ref": .string("#/components/headers/X-Request-ID")])]),
            ]
            if [429, 503, 507].contains(status), case .object(var headers)? = response["headers"] {
                headers["Retry-After"] = .object(["$ref": .string("#/components/headers/Retry-After")])
                response["headers"] = .object(headers)
            }
            result["E\(status)"] = .object(response)
        }
        return result
    }

    static func describe(_ operation: Operation) -> JSONValue {
        var parameters: [JSONValue] = []
        for segment in operation.path.split(separator: "/") where segment.hasPrefix(":") {
            let name = String(segment.dropFirst())
            parameters.append(
                .object([
                    "name": .string(name), "in": .string("path"), "required": .bool(true),
                    "schema": name == "version" ? S.integer(minimum: 1) : (name == "name" ? S.string() : S.uuid),
                ]))
        }
        parameters += operation.query.map(parameter)
        for (name, schema) in operation.headers {
            parameters.append(.object(["name": .string(name), "in": .string("header"), "required": .bool(false), "schema": schema]))
        }
        var result: [String: JSONValue] = [
            "tags": .array([.string(operation.tag)]), "summary": .string(operation.summary),
            "operationId": .string(operationID(operation)),
        ]
        if !parameters.isEmpty { result["parameters"] = .array(parameters) }
        var errors = Set(operation.extraErrors + [503])
        if operation.authenticated {
            errors.formUnion([401, 403, 429])
            let scopes = AccessPolicy.scopes(operation.method, operation.path).union([.admin]).sorted().map {
                JSONValue.string($0.rawValue)
            }
            result["x-scopes"] = .array(scopes)
        }
        if operation.path.contains(":") { errors.insert(404) }
        if !operation.query.isEmpty { errors.insert(422) }
        switch operation.body {
        case .json(let schema)?:
            result["requestBody"] = .object([
                "required": .bool(!operation.bodyOptional), "content": .object(["application/json": .object(["schema": schema])]),
            ])
            errors.formUnion([400, 404, 413, 415, 422])
        case .multipart(let schema)?:
            result["requestBody"] = .object([
                "required": .bool(true), "content": .object(["multipart/form-data": .object(["schema": schema])]),
            ])
            errors.formUnion([400, 413, 415, 422])
        case .jsonOrMultipart(let json, let form)?:
            result["requestBody"] = .object([
                "required": .bool(true),
                "content": .object([
                    "application/json": .object(["schema": json]), "multipart/form-data": .object(["schema": form]),
                ]),
            ])
            errors.formUnion([400, 413, 415, 422])
        case nil:
            break
        }
        var responses: [String: JSONValue] = [:]
        var successHeaders: [String: JSONValue] = ["X-Request-ID": .object(["$ref": .string("#/components/headers/X-Request-ID")])]
        if operation.authenticated {
            for name in rateLimitHeaders { successHeaders[name] = .object(["$ref": .string("#/components/headers/\(name)")]) }
        }
        if operation.path.hasPrefix("/analytics/") {
            successHeaders[AnalyticsReads.header] = .object(["$ref": .string("#/components/headers/\(AnalyticsReads.header)")])
        }
        for (status, schema) in operation.responses {
            var response: [String: JSONValue] = [
                "description": .string(status == 204 ? "Done; no body" : "Success"),
                "headers": .object(successHeaders),
            ]
            if let schema {
                // A file's content comes back in the type its bytes were found to be.
                let types = operation.path.hasSuffix("/content") ? fileMediaTypes : ["application/json"]
                response["content"] = .object(Dictionary(uniqueKeysWithValues: types.map { ($0, JSONValue.object(["schema": schema])) }))
            }
            responses[String(status)] = .object(response)
        }
        for status in errors.sorted() {
            responses[String(status)] = .object(["$ref": .string("#/components/responses/E\(status)")])
        }
        result["responses"] = .object(responses)
        return .object(result)
    }

    /// `GET /api/v1/assistants/:assistant_id/versions` → `get_assistants_assistant_id_versions`.
    static func operationID(_ operation: Operation) -> String {
        let words = operation.path.split(separator: "/").filter { $0 != "api" && $0 != "v1" }
            .map { $0.replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "_") }
        return ([operation.method.rawValue.lowercased()] + words).joined(separator: "_")
    }
}

/// The contract for tools outside the server (`companin openapi`, client generators).
public enum APIDocument {
    /// The OpenAPI 3.1 document, as `/api/v1/openapi.json` serves it.
    public static var json: String { APIContract.document.serialized }
}
