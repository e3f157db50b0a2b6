import Foundation
import HTTP
import Ingestion

/// `/api/v1/knowledge/urls/…`: live web pages (and PDF, text or JSON URLs) as knowledge, fetched by
/// the ingest workers through the SSRF guard, refreshed on request or on a schedule.
enum URLRoutes {
    /// Scheduled refreshes no more often than this.
    static let minimumRefreshInterval: Int64 = 60

    static func register(on router: inout Router<AppContext>, fetcher: Fetcher) {
        router.post("/api/v1/knowledge/urls/") { request, context in
            let input = try URLInput(try request.jsonObjectBody())
            let (text, title, metadata, interval) = (input.url, input.title, input.metadata, input.refreshInterval)
            guard let text else { throw HTTPError(.badRequest) }
            // Refused before anything is stored: a bad URL, or a literal forbidden address. A name is
            // not resolved here (see `Fetcher.validate`); the worker refuses it when it connects.
            let url: String
            switch fetcher.validate(text) {
            case .success(let checked) where checked.absoluteString.utf8.count > URLInput.maximumURLLength:
                // Normalizing can lengthen it (an IDN host becomes punycode); the column holds this much.
                throw ValidationError([
                    FieldError(
                        loc: [.key("body"), .key("url")],
                        msg: "URL should have at most \(URLInput.maximumURLLength) characters once normalized",
                        type: "string_too_long")
                ])
            case .success(let checked):
                url = checked.absoluteString
            case .failure(let error) where error.code == "forbidden_address":
                throw HTTPError(.unprocessableEntity, detail: error.message)
            case .failure(let error):
                throw ValidationError([
                    FieldError(loc: [.key("body"), .key("url")], msg: "Value error, \(error.message)", type: "value_error")
                ])
            }
            let now = Date.now.truncatedToMicroseconds
            // A long URL stands as its own title cut to what a title may be.
            let shownTitle = title ?? url.prefix(codePoints: URLInput.maximumTitleLength)
            var source = KnowledgeSource.pending(kind: .url, title: shownTitle, metadata: metadata ?? [:], at: now)
            source.attributes = ["title_from": .string(title == nil ? "filename" : "client")]
            source.url = url
            source.refreshIntervalSeconds = interval.map { Int($0) }
            try store(context).insert(source, queue: true)
            var response = try Response.json(URLView(source: source), status: .accepted)
            response.headers.set("Location", "/api/v1/knowledge/urls/\(source.id.uuidString.lowercased())")
            return response
        }
        router.get("/api/v1/knowledge/urls/") { request, context in
            try FileRoutes.list(.url, request, context, as: URLView.init)
        }
        router.get("/api/v1/knowledge/urls/:url_id") { _, context in
            try Response.json(URLView(source: try source(context)))
        }
        router.post("/api/v1/knowledge/urls/:url_id/refresh") { _, context in
            let found = try source(context)
            try store(context).requeue(found.id)
            return try Response.json(URLView(source: try source(context)), status: .accepted)
        }
        router.delete("/api/v1/knowledge/urls/:url_id") { request, context in
            guard try context.deleteSource(request, "url_id", kind: .url) != nil else { throw HTTPError.notFound }
            return .noContent
        }
    }

    private static func store(_ context: AppContext) throws -> KnowledgeStore {
        KnowledgeStore(db: try context.organizationDatabase())
    }

    private static func source(_ context: AppContext) throws -> KnowledgeSource {
        guard let found = try store(context).find(try context.resourceID("url_id"), kind: .url) else { throw HTTPError.notFound }
        return found
    }
}
