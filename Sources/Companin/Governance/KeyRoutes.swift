import Foundation
import HTTP
import MariaDB

/// `POST /api/v1/keys/`: `{name, scopes?, assistant_id?, expires_at?}`; a change takes `name` and `scopes`.
struct KeyInput {
    var name: String?
    var scopes: Set<AccessScope>?
    var assistantID: UUID?
    var expiresAt: Date?

    init(_ reader: FieldReader, partial: Bool) throws {
        var reader = reader
        name = reader.string(Self.name.required(!partial))
        scopes = reader.strings(Self.scopes).map { Set($0.compactMap(AccessScope.init(rawValue:))) }
        if !partial {
            assistantID = reader.uuid(Self.assistantID)
            expiresAt = reader.timestamp(Self.expiresAt)
        }
        try reader.finish()
    }

    static let createFields = FieldSet([name, scopes, assistantID, expiresAt])
    static let updateFields = FieldSet([name, scopes]).partial

    static let name = Field("name", .string(minLength: 1, maxLength: 200), required: true, "A label, e.g. \"web widget\"")
    static let scopes = Field(
        "scopes", .list(of: .choice(AccessScope.allCases.map(\.rawValue)), minItems: 1, maxItems: 4),
        "What the key may do; [\"admin\"] when left out")
    static let assistantID = Field("assistant_id", .uuid, "Bind the key to one assistant's sessions and conversations")
    static let expiresAt = Field("expires_at", .dateTime, "When the key stops working (UTC); never when left out")
}

/// `POST /api/v1/keys/:key_id/rotate`: `{overlap_seconds?}`.
struct KeyRotationInput {
    var overlapSeconds = 86_400

    init(_ reader: FieldReader) throws {
        var reader = reader
        if let overlap = reader.int(Self.overlapSeconds) { overlapSeconds = Int(overlap) }
        try reader.finish()
    }

    static let fields = FieldSet([overlapSeconds])
    static let overlapSeconds = Field(
        "overlap_seconds", .integer(minimum: 0, maximum: Int64(APIKeyStore.maximumOverlap)),
        "How long the old key keeps working beside the new one; a day when left out")
}

/// `/api/v1/keys/…`, for `admin` keys: issue (the secret is shown once), list, read, change scopes,
/// rotate and revoke the organization's keys. Every change is in the audit trail.
enum KeyRoutes {
    enum Query {
        static let includeInactive = Field("include_inactive", .boolean, "Also list revoked and expired keys")
    }

    static func register(on router: inout Router<AppContext>) {
        router.post("/api/v1/keys/") { request, context in
            let input = try KeyInput(try request.jsonObjectBody(), partial: false)
            let new = APIKeyStore.NewKey(
                name: input.name ?? "", scopes: input.scopes ?? [.admin], assistantID: input.assistantID, expiresAt: input.expiresAt)
            do {
                let issued = try store(context).create(new, in: try context.organizationDatabase(), by: context.auditActor(request))
                return try Response.json(IssuedKey(key: issued.key, secret: issued.secret), status: .created)
            } catch StoreError.notFound {
                throw ValidationError([
                    FieldError(loc: [.key("body"), .key(KeyInput.assistantID.name)], msg: "No such assistant", type: "not_found")
                ])
            } catch StoreError.invalid where input.expiresAt.map({ $0 <= .now }) ?? false {
                throw ValidationError([
                    FieldError(
                        loc: [.key("body"), .key(KeyInput.expiresAt.name)], msg: "Input should be in the future", type: "greater_than")
                ])
            }
        }
        router.get("/api/v1/keys/") { request, context in
            var query = QueryReader(request)
            let page = query.pagination()
            let includeInactive = query.bool(Query.includeInactive) ?? false
            try query.finish()
            let db = try context.organizationDatabase()
            return try Response.json(try store(context).page(in: db, includeInactive: includeInactive, page))
        }
        router.get("/api/v1/keys/:key_id") { _, context in
            guard let key = try store(context).find(try context.resourceID("key_id"), in: try context.organizationDatabase()) else {
                throw HTTPError.notFound
            }
            return try Response.json(key)
        }
        router.patch("/api/v1/keys/:key_id") { request, context in
            let input = try KeyInput(try request.jsonObjectBody(), partial: true)
            guard
                let key = try store(context).update(
                    try context.resourceID("key_id"), name: input.name, scopes: input.scopes, in: try context.organizationDatabase(),
                    by: context.auditActor(request))
            else { throw HTTPError.notFound }
            return try Response.json(key)
        }
        router.post("/api/v1/keys/:key_id/rotate") { request, context in
            let input = request.body.isEmpty ? nil : try KeyRotationInput(try request.jsonObjectBody())
            do {
                guard
                    let issued = try store(context).rotate(
                        try context.resourceID("key_id"), overlap: input?.overlapSeconds ?? 86_400, in: try context.organizationDatabase(),
                        by: context.auditActor(request))
                else { throw HTTPError.notFound }
                return try Response.json(IssuedKey(key: issued.key, secret: issued.secret), status: .created)
            } catch StoreError.conflict(let message) {
                throw HTTPError(.conflict, detail: message)
            }
        }
        router.delete("/api/v1/keys/:key_id") { request, context in
            guard
                try store(context).revoke(
                    try context.resourceID("key_id"), in: try context.organizationDatabase(), by: context.auditActor(request))
                    != nil
            else { throw HTTPError.notFound }
            return .noContent
        }
    }

    private static func store(_ context: AppContext) -> APIKeyStore { APIKeyStore(database: context.database) }
}
