import Foundation
import HTTP

/// `/api/v1/assistants/…`: assistants, their versions, activation and task templates.
enum AssistantRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.post("/api/v1/assistants/") { request, context in
            let input = try AssistantInput(try request.jsonObjectBody(), requireName: true)
            return tagged(try store(context).create(input, by: context.principal?.keyID), status: .created)
        }
        router.get("/api/v1/assistants/") { request, context in
            try Response.json(try store(context).list(try Pagination(request)))
        }
        router.get("/api/v1/assistants/:assistant_id") { _, context in
            guard let assistant = try store(context).find(try context.resourceID("assistant_id")) else { throw HTTPError.notFound }
            return tagged(assistant)
        }
        router.patch("/api/v1/assistants/:assistant_id") { request, context in
            let id = try context.resourceID("assistant_id")
            let input = try AssistantInput(try request.jsonObjectBody(), requireName: false)
            guard
                let assistant = try store(context).update(
                    id, input, ifMatch: request.headers["If-Match"],
                    by: context.principal?.keyID)
            else { throw HTTPError.notFound }
            return tagged(assistant)
        }
        router.delete("/api/v1/assistants/:assistant_id") { request, context in
            let id = try context.resourceID("assistant_id")
            let deleted = try context.audited(request, "assistant.deleted") {
                try store(context).delete(id) ? id : nil
            } describe: { id in
                (("assistant", id.uuidString.lowercased()), [:])
            }
            guard deleted != nil else { throw HTTPError.notFound }
            return .noContent
        }

        router.post("/api/v1/assistants/:assistant_id/activate") { request, context in
            try setActive(true, request, context)
        }
        router.post("/api/v1/assistants/:assistant_id/deactivate") { request, context in
            try setActive(false, request, context)
        }

        router.get("/api/v1/assistants/:assistant_id/versions") { request, context in
            let page = try Pagination(request)
            guard let versions = try store(context).versions(of: try context.resourceID("assistant_id"), page) else {
                throw HTTPError.notFound
            }
            return try Response.json(versions)
        }
        router.get("/api/v1/assistants/:assistant_id/versions/:version") { _, context in
            guard
                let version = try store(context).version(
                    of: try context.resourceID("assistant_id"),
                    number: try versionNumber(context))
            else { throw HTTPError.notFound }
            return try Response.json(version)
        }
        router.post("/api/v1/assistants/:assistant_id/versions/:version/promote") { request, context in
            let id = try context.resourceID("assistant_id")
            let number = try versionNumber(context)
            let store = try store(context)
            var before: Int?
            let promoted = try context.audited(request, "assistant.promoted") { () -> Assistant? in
                before = try store.find(id)?.liveVersion
                return try store.promote(id, version: number, ifMatch: request.headers["If-Match"])
            } describe: { assistant in
                let rolledBack = before.map { number < $0 } ?? false
                return (
                    ("assistant", id.uuidString.lowercased()),
                    [
                        "from_version": before.map { .int(Int64($0)) } ?? .null, "to_version": .int(Int64(assistant.liveVersion)),
                        "rollback": .bool(rolledBack),
                    ]
                )
            }
            guard let promoted else { throw HTTPError.notFound }
            return tagged(promoted)
        }

        router.post("/api/v1/assistants/:assistant_id/templates/:name/render") { request, context in
            guard let assistant = try store(context).find(try context.resourceID("assistant_id")),
                let template = assistant.configuration.taskTemplates.first(where: { $0.name == context.parameters["name"] })
            else {
                throw HTTPError.notFound
            }
            var reader = try request.jsonObjectBody()
            let variables = reader.object(TemplateRenderInput.variables) ?? [:]
            try reader.finish()
            return try Response.json(try TemplateRendering.render(template, variables: variables))
        }
    }

    private static func store(_ context: AppContext) throws -> AssistantStore {
        AssistantStore(try context.organizationDatabase())
    }

    private static func setActive(_ isActive: Bool, _ request: Request, _ context: AppContext) throws -> Response {
        guard
            let assistant = try store(context).setActive(
                try context.resourceID("assistant_id"), isActive,
                ifMatch: request.headers["If-Match"])
        else { throw HTTPError.notFound }
        return tagged(assistant)
    }

    /// Version numbers are positive integers; anything else names no version.
    private static func versionNumber(_ context: AppContext) throws -> Int {
        guard let number = Int(try context.parameters.require("version")), number > 0 else { throw HTTPError.notFound }
        return number
    }

    /// The assistant with its `ETag`, for the client to send back in `If-Match`.
    private static func tagged(_ assistant: Assistant, status: HTTPStatus = .ok) -> Response {
        var response: Response
        do {
            response = try Response.json(assistant, status: status)
        } catch {
            return Response.error(error)
        }
        response.headers.set("ETag", assistant.etag)
        return response
    }
}
