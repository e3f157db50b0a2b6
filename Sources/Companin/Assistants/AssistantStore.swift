import Foundation
import HTTP
import MariaDB

/// Assistants in MariaDB. Every statement is scoped by the caller's organization in SQL.
struct AssistantStore {
    let database: Connection
    let organizationID: UUID

    private static let columns = """
        id, name, description, tone, language, task_templates, is_active, metadata, created_at, updated_at
        """

    func create(_ input: AssistantInput) throws -> Assistant {
        let now = Date.now.truncatedToMicroseconds
        let assistant = Assistant(
            id: UUID(),
            name: input.name ?? "",
            description: input.description ?? "",
            tone: input.tone ?? AssistantInput.defaultTone,
            language: input.language ?? AssistantInput.defaultLanguage,
            taskTemplates: input.taskTemplates ?? [],
            isActive: input.isActive ?? true,
            metadata: input.metadata ?? [:],
            createdAt: now,
            updatedAt: now)
        try database.execute("""
            INSERT INTO assistants (organization_id, id, created_at, \(Self.configurationColumns.joined(separator: ", ")))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [organizationID.databaseValue, assistant.id.databaseValue, assistant.createdAt.databaseValue]
                + Self.configurationValues(of: assistant))
        return assistant
    }

    func find(_ id: UUID) throws -> Assistant? {
        try database.query("SELECT \(Self.columns) FROM assistants WHERE organization_id = ? AND id = ?",
                           [organizationID.databaseValue, id.databaseValue]).first.map(Self.decode)
    }

    func list(_ page: Pagination) throws -> Page<Assistant> {
        let items = try database.query("""
            SELECT \(Self.columns) FROM assistants WHERE organization_id = ?
            ORDER BY created_at, id LIMIT ? OFFSET ?
            """, [organizationID.databaseValue, .int(Int64(page.limit)), .int(Int64(page.offset))]).map(Self.decode)
        let count = try database.query("SELECT COUNT(*) AS count FROM assistants WHERE organization_id = ?",
                                        [organizationID.databaseValue]).first?.decode(Int.self, "count") ?? 0
        return Page(items: items, count: count)
    }

    /// Applies the fields present in `changes`; `nil` when there is no such assistant in this organization.
    func update(_ id: UUID, _ changes: AssistantInput) throws -> Assistant? {
        try database.transaction {
            guard var assistant = try database.query(
                "SELECT \(Self.columns) FROM assistants WHERE organization_id = ? AND id = ? FOR UPDATE",
                [organizationID.databaseValue, id.databaseValue]).first.map(Self.decode) else { return nil }
            if let name = changes.name { assistant.name = name }
            if let description = changes.description { assistant.description = description }
            if let tone = changes.tone { assistant.tone = tone }
            if let language = changes.language { assistant.language = language }
            if let templates = changes.taskTemplates { assistant.taskTemplates = templates }
            if let isActive = changes.isActive { assistant.isActive = isActive }
            if let metadata = changes.metadata { assistant.metadata = metadata }
            assistant.updatedAt = Date.now.truncatedToMicroseconds
            try database.execute("""
                UPDATE assistants SET \(Self.configurationColumns.map { "\($0) = ?" }.joined(separator: ", "))
                WHERE organization_id = ? AND id = ?
                """, Self.configurationValues(of: assistant) + [organizationID.databaseValue, id.databaseValue])
            return assistant
        }
    }

    /// `false` when there is no such assistant in this organization.
    func delete(_ id: UUID) throws -> Bool {
        try database.execute("DELETE FROM assistants WHERE organization_id = ? AND id = ?",
                             [organizationID.databaseValue, id.databaseValue]).affectedRows == 1
    }

    /// The columns a create writes and a change may rewrite, in the order of `configurationValues`.
    private static let configurationColumns = [
        "name", "description", "tone", "language", "task_templates", "is_active", "metadata", "updated_at",
    ]

    private static func configurationValues(of assistant: Assistant) -> [DatabaseValue] {
        let templates = JSONValue.array(assistant.taskTemplates.map {
            .object(["name": .string($0.name), "template": .string($0.template)])
        })
        return [
            .text(assistant.name), .text(assistant.description), .text(assistant.tone),
            .text(assistant.language), .text(templates.serialized), assistant.isActive.databaseValue,
            .text(JSONValue.object(assistant.metadata).serialized), assistant.updatedAt.databaseValue,
        ]
    }

    private static func decode(_ row: Row) throws -> Assistant {
        let templates = try JSONValue.parse(Data(try row.decode(String.self, "task_templates").utf8)).arrayValue ?? []
        let metadata = try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:]
        return Assistant(
            id: try row.decode(UUID.self, "id"),
            name: try row.decode(String.self, "name"),
            description: try row.decode(String.self, "description"),
            tone: try row.decode(String.self, "tone"),
            language: try row.decode(String.self, "language"),
            taskTemplates: templates.compactMap { item in
                guard let name = item.objectValue?["name"]?.stringValue,
                      let template = item.objectValue?["template"]?.stringValue else { return nil }
                return TaskTemplate(name: name, template: template)
            },
            isActive: try row.decode(Bool.self, "is_active"),
            metadata: metadata,
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }
}
