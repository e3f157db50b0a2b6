import Foundation
import HTTP
import MariaDB

/// Which sources an assistant sees. In `all` mode (the default) every source of its organization
/// except those it excludes; in `linked` mode only the sources linked to it.
struct KnowledgeScope {
    enum Mode: String { case all, linked }

    let assistantID: UUID
    let mode: Mode

    /// A condition on `s.id` (a knowledge_sources alias).
    var condition: SQL {
        switch mode {
        case .all:
            "s.id NOT IN (SELECT source_id FROM assistant_knowledge WHERE assistant_id = \(assistantID) AND mode = 'exclude')"
        case .linked:
            "s.id IN (SELECT source_id FROM assistant_knowledge WHERE assistant_id = \(assistantID) AND mode = 'include')"
        }
    }
}

/// `PUT/DELETE /api/v1/assistants/:assistant_id/knowledge/:source_id` and the effective set.
enum AssistantKnowledgeRoutes {
    static func register(on router: inout Router<AppContext>) {
        router.put("/api/v1/assistants/:assistant_id/knowledge/:source_id") { request, context in
            let (scope, sourceID) = try resolve(context)
            let mode = try KnowledgeLinkInput(try request.jsonObjectBody()).mode
            try store(context).link(sourceID, to: scope.assistantID, mode: mode ?? "include")
            return try Response.json(Link(assistantID: scope.assistantID, sourceID: sourceID, mode: mode ?? "include"))
        }
        router.delete("/api/v1/assistants/:assistant_id/knowledge/:source_id") { _, context in
            let (scope, sourceID) = try resolve(context)
            guard try store(context).unlink(sourceID, from: scope.assistantID) else { throw HTTPError.notFound }
            return .noContent
        }
        router.get("/api/v1/assistants/:assistant_id/knowledge") { request, context in
            let store = try store(context)
            guard let scope = try store.scope(of: try context.resourceID("assistant_id")) else { throw HTTPError.notFound }
            let page = try store.effectiveSources(scope, try Pagination(request))
            return try Response.json(EffectiveSet(knowledgeMode: scope.mode.rawValue, items: page.items, count: page.count))
        }
    }

    private static func store(_ context: AppContext) throws -> AssistantKnowledgeStore {
        AssistantKnowledgeStore(db: try context.organizationDatabase())
    }

    /// The assistant's scope and a source of the same organization; `404` for either missing.
    private static func resolve(_ context: AppContext) throws -> (KnowledgeScope, UUID) {
        let db = try context.organizationDatabase()
        guard
            let scope = try AssistantKnowledgeStore(db: db).scope(of: try context.resourceID("assistant_id")),
            let source = try KnowledgeStore(db: db).find(try context.resourceID("source_id"))
        else { throw HTTPError.notFound }
        return (scope, source.id)
    }

    struct Link: Encodable {
        var assistantID: UUID
        var sourceID: UUID
        var mode: String
    }

    /// A source in an assistant's scope, read from the columns of the same names.
    struct EffectiveSource: Codable {
        var sourceID: UUID
        var kind: String
        var title: String
        var status: String
        var link: String?
    }

    struct EffectiveSet: Encodable {
        var knowledgeMode: String
        var items: [EffectiveSource]
        var count: Int
    }
}
