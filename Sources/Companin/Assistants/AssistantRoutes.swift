import HTTP

/// `/api/v1/assistants/…`: create, list, read, change and delete assistants.
enum AssistantRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.post("/api/v1/assistants/") { request, context in
            let input = try AssistantInput(try request.jsonObjectBody(), requireName: true)
            return try Response.json(try store(context).create(input), status: .created)
        }
        router.get("/api/v1/assistants/") { request, context in
            try Response.json(try store(context).list(try Pagination(request)))
        }
        router.get("/api/v1/assistants/:assistant_id") { _, context in
            guard let assistant = try store(context).find(try context.resourceID("assistant_id")) else { throw HTTPError.notFound }
            return try Response.json(assistant)
        }
        router.patch("/api/v1/assistants/:assistant_id") { request, context in
            let id = try context.resourceID("assistant_id")
            let changes = try AssistantInput(try request.jsonObjectBody(), requireName: false)
            guard let assistant = try store(context).update(id, changes) else { throw HTTPError.notFound }
            return try Response.json(assistant)
        }
        router.delete("/api/v1/assistants/:assistant_id") { _, context in
            guard try store(context).delete(try context.resourceID("assistant_id")) else { throw HTTPError.notFound }
            return .noContent
        }
    }

    private static func store(_ context: AppContext) throws -> AssistantStore {
        AssistantStore(database: context.database, organizationID: try context.organization())
    }
}
