import Foundation
import HTTP
import Ingestion
import MariaDB

/// `/api/v1/knowledge/files/…`: upload (multipart), list, read, download, reprocess, delete.
enum FileRoutes {
    static func register(on router: inout Router<AppContext>, configuration: KnowledgeConfiguration) {
        let blobs = BlobStore(directory: configuration.blobDirectory)

        router.post("/api/v1/knowledge/files/") { request, context in
            try upload(request, context, configuration: configuration, blobs: blobs)
        }
        router.get("/api/v1/knowledge/files/") { request, context in
            try list(.file, request, context, as: FileView.init)
        }
        router.get("/api/v1/knowledge/files/:file_id") { _, context in
            try Response.json(FileView(source: try file(context)))
        }
        router.get("/api/v1/knowledge/files/:file_id/content") { _, context in
            let source = try file(context)
            guard let path = source.blobPath else { throw HTTPError.notFound }
            var response = Response(status: .ok, body: try blobs.read(path))
            response.headers.set("Content-Type", source.mediaType ?? "application/octet-stream")
            let name = (source.filename ?? "file").replacingOccurrences(of: "\"", with: "")
            response.headers.set("Content-Disposition", "attachment; filename=\"\(name)\"")
            response.headers.set("X-Content-Type-Options", "nosniff")
            return response
        }
        router.post("/api/v1/knowledge/files/:file_id/reprocess") { _, context in
            let source = try file(context)
            try store(context).requeue(source.id)
            return try Response.json(FileView(source: try file(context)), status: .accepted)
        }
        router.delete("/api/v1/knowledge/files/:file_id") { request, context in
            guard let removed = try context.deleteSource(request, "file_id", kind: .file) else { throw HTTPError.notFound }
            // The original stays while another record of this organization (a concurrent upload of
            // the same bytes) still points at it.
            if let path = removed.blobPath, try !store(context).references(blobPath: path) {
                blobs.remove(path)
            }
            return .noContent
        }
    }

    /// The knowledge lists' `?status=pending|processing|ready|failed`.
    static let status = Field("status", .choice(KnowledgeSource.Status.allCases.map(\.rawValue)))

    /// The parts of an upload form: the route reads them and the contract documents them.
    static let form = FieldSet([Form.file, Form.title, Form.metadata])

    enum Form {
        static let file = Field("file", .file, required: true)
        /// Code points, as the VARCHAR(300) column counts them; blank is refused.
        static let title = Field("title", .string(minLength: 1, maxLength: 300))
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes), "A JSON object")
    }

    private static func upload(_ request: Request, _ context: AppContext, configuration: KnowledgeConfiguration, blobs: BlobStore) throws
        -> Response
    {
        let parts = try request.formParts()
        var errors: [FieldError] = []
        for part in parts where form[part.name] == nil {
            errors.append(FieldError(loc: [.key("body"), .key(part.name)], msg: "Extra inputs are not permitted", type: "extra_forbidden"))
        }
        let file = parts.first { $0.name == Form.file.name }
        if file == nil { errors.append(FieldError(loc: [.key("body"), .key(Form.file.name)], msg: "Field required", type: "missing")) }
        var title: String?
        if let part = parts.first(where: { $0.name == Form.title.name }), let lengths = Form.title.kind.lengths {
            let text = part.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if lengths.contains(text.unicodeScalars.count) {
                title = text
            } else {
                errors.append(
                    FieldError(
                        loc: [.key("body"), .key(Form.title.name)],
                        msg: "String should have \(lengths.lowerBound) to \(lengths.upperBound) characters", type: "string_length"))
            }
        }
        var metadata: [String: JSONValue] = [:]
        if let part = parts.first(where: { $0.name == Form.metadata.name }), case .object(let maxBytes, let maxKeys) = Form.metadata.kind {
            if part.body.count <= maxBytes, let value = try? JSONValue.parse(Data(part.body)), case .object(let members) = value,
                members.count <= maxKeys
            {
                metadata = members
            } else {
                errors.append(
                    FieldError(
                        loc: [.key("body"), .key(Form.metadata.name)],
                        msg: "Input should be a JSON object of at most \(maxBytes) bytes and \(maxKeys) keys", type: "dict_type"))
            }
        }
        if let file, file.body.isEmpty {
            errors.append(FieldError(loc: [.key("body"), .key(Form.file.name)], msg: "The file is empty", type: "value_error"))
        }
        if !errors.isEmpty { throw ValidationError(errors) }
        guard let file else { throw HTTPError(.badRequest) }
        guard file.body.count <= configuration.maxUploadBytes else {
            throw HTTPError(.payloadTooLarge, detail: "File exceeds \(configuration.maxUploadBytes) bytes")
        }
        guard let detected = ContentSniffer.detect(file.body) else {
            throw HTTPError(.unsupportedMediaType, detail: "Unsupported file type; accepted: \(ContentSniffer.acceptedDescription)")
        }

        let store = try store(context)
        let sha = BlobStore.sha256(file.body)
        if let existing = try store.findFile(sha256: sha) { return try Response.json(FileView(source: existing)) }
        let path = try blobs.store(file.body, sha256: sha, organizationID: try context.organization())
        let now = Date.now.truncatedToMicroseconds
        let filename = file.filename.map { $0.prefix(codePoints: 255) }
        var source = KnowledgeSource.pending(
            kind: .file, title: title ?? filename ?? "Untitled \(detected.kind.rawValue)", metadata: metadata, at: now)
        source.contentKind = detected.kind.rawValue
        source.mediaType = detected.mediaType
        source.filename = filename
        source.sizeBytes = file.body.count
        source.contentSHA256 = sha
        source.blobPath = path
        source.attributes = ["title_from": .string(title == nil ? "filename" : "client")]
        do {
            try store.insert(source, queue: true)
        } catch let error as DatabaseError where error.isDuplicateKey {
            // The same bytes arrived twice at once: the other upload won.
            if let existing = try store.findFile(sha256: sha) { return try Response.json(FileView(source: existing)) }
            throw error
        }
        var response = try Response.json(FileView(source: source), status: .accepted)
        response.headers.set("Location", "/api/v1/knowledge/files/\(source.id.uuidString.lowercased())")
        return response
    }

    /// `?status=pending|processing|ready|failed` of the knowledge lists.
    /// A page of one kind's sources, `?status=` when given, each shown as `view` shows it.
    static func list<View: Encodable & Sendable>(
        _ kind: KnowledgeSource.Kind, _ request: Request, _ context: AppContext, as view: (KnowledgeSource) -> View
    ) throws -> Response {
        var query = QueryReader(request)
        let status = query.choice(Self.status, KnowledgeSource.Status.self)
        let page = query.pagination()
        try query.finish()
        let found = try store(context).list(kind: kind, status: status, page)
        return try Response.json(Page(items: found.items.map(view), count: found.count))
    }

    private static func store(_ context: AppContext) throws -> KnowledgeStore {
        KnowledgeStore(db: try context.organizationDatabase())
    }

    private static func file(_ context: AppContext) throws -> KnowledgeSource {
        guard let source = try store(context).find(try context.resourceID("file_id"), kind: .file) else { throw HTTPError.notFound }
        return source
    }
}
