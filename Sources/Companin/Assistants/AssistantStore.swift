import Foundation
import HTTP
import MariaDB

/// Assistants and their versions in MariaDB. Every statement is scoped by the caller's organization
/// in SQL, and every write is one transaction: a responder killed part-way leaves the old state or
/// the new one, never a version without its assistant or a live pointer to a missing version.
struct AssistantStore {
    let database: Connection
    let organizationID: UUID

    /// A refused precondition: the client's `If-Match` names a state that is no longer current.
    static let stale = HTTPError(.preconditionFailed, detail: "The assistant changed since you read it; fetch it again")

    private static let configurationColumns = ["name", "description", "tone", "language", "task_templates", "metadata"]
    private static let assistantColumns = """
        id, name, description, tone, language, task_templates, metadata, is_active, knowledge_mode, live_version, latest_version,
        revision, created_at, updated_at
        """
    private static let versionColumns = """
        assistant_id, version, name, description, tone, language, task_templates, metadata, changed_fields,
        change_note, created_by_api_key_id, created_at
        """

    // MARK: Assistants

    func create(_ input: AssistantInput, by apiKeyID: UUID?) throws -> Assistant {
        let now = Date.now.truncatedToMicroseconds
        let configuration = AssistantConfiguration(
            name: input.name ?? "", description: input.description ?? "", tone: input.tone ?? AssistantInput.defaultTone,
            language: input.language ?? AssistantInput.defaultLanguage, taskTemplates: input.taskTemplates ?? [],
            metadata: input.metadata ?? [:])
        let assistant = Assistant(
            id: UUID(), configuration: configuration, isActive: input.isActive ?? true,
            knowledgeMode: input.knowledgeMode ?? "all", liveVersion: 1, latestVersion: 1, revision: 1, createdAt: now, updatedAt: now)
        try database.transaction {
            try database.execute(
                sql: """
                INSERT INTO assistants (organization_id, id, \(Self.configurationColumns.joined(separator: ", ")),
                    is_active, knowledge_mode, live_version, latest_version, revision, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, 1, ?, ?)
                """,
                [organizationID.databaseValue, assistant.id.databaseValue] + Self.values(of: configuration)
                    + [assistant.isActive.databaseValue, .text(assistant.knowledgeMode), now.databaseValue, now.databaseValue])
            try insertVersion(
                AssistantVersion(
                    assistantID: assistant.id, version: 1, configuration: configuration,
                    changedFields: AssistantConfiguration.fieldNames, changeNote: input.changeNote,
                    createdByAPIKeyID: apiKeyID, createdAt: now, isLive: true))
        }
        return assistant
    }

    func find(_ id: UUID) throws -> Assistant? {
        try database.query(
            sql: """
            SELECT \(Self.assistantColumns) FROM assistants
            WHERE organization_id = ? AND id = ? AND deleted_at IS NULL
            """, [organizationID.databaseValue, id.databaseValue]
        ).first.map(Self.decodeAssistant)
    }

    func list(_ page: Pagination) throws -> Page<Assistant> {
        let items = try database.query(
            sql: """
            SELECT \(Self.assistantColumns) FROM assistants WHERE organization_id = ? AND deleted_at IS NULL
            ORDER BY created_at, id LIMIT ? OFFSET ?
            """, [organizationID.databaseValue, .int(Int64(page.limit)), .int(Int64(page.offset))]
        ).map(Self.decodeAssistant)
        let count =
            try database.query(
                sql: "SELECT COUNT(*) AS count FROM assistants WHERE organization_id = ? AND deleted_at IS NULL",
                [organizationID.databaseValue]
            ).first?.decode(Int.self, "count") ?? 0
        return Page(items: items, count: count)
    }

    /// Applies a change: configuration fields become a new version built on the latest one (live
    /// at once unless `promote` is false); `is_active` changes operational state without a version.
    func update(_ id: UUID, _ input: AssistantInput, ifMatch: String?, by apiKeyID: UUID?) throws -> Assistant? {
        try modify(id, ifMatch: ifMatch) { assistant in
            var changed = false
            if input.changesConfiguration {
                guard let latest = try version(of: assistant, number: assistant.latestVersion) else {
                    throw HTTPError(.internalServerError, detail: "Latest version missing")
                }
                let configuration = latest.configuration.applying(input)
                let fields = configuration.changedFields(comparedTo: latest.configuration)
                if !fields.isEmpty {
                    let number = assistant.latestVersion + 1
                    try insertVersion(
                        AssistantVersion(
                            assistantID: assistant.id, version: number, configuration: configuration, changedFields: fields,
                            changeNote: input.changeNote, createdByAPIKeyID: apiKeyID, createdAt: .now.truncatedToMicroseconds,
                            isLive: input.promote))
                    assistant.latestVersion = number
                    if input.promote {
                        assistant.liveVersion = number
                        assistant.configuration = configuration
                    }
                    changed = true
                }
            }
            if let isActive = input.isActive, isActive != assistant.isActive {
                assistant.isActive = isActive
                changed = true
            }
            if let mode = input.knowledgeMode, mode != assistant.knowledgeMode {
                assistant.knowledgeMode = mode
                changed = true
            }
            return changed
        }
    }

    /// Makes a version live; promoting an older one is how an operator rolls back.
    func promote(_ id: UUID, version number: Int, ifMatch: String?) throws -> Assistant? {
        try modify(id, ifMatch: ifMatch) { assistant in
            guard let target = try version(of: assistant, number: number) else { throw HTTPError.notFound }
            guard assistant.liveVersion != number else { return false }
            assistant.liveVersion = number
            assistant.configuration = target.configuration
            return true
        }
    }

    func setActive(_ id: UUID, _ isActive: Bool, ifMatch: String?) throws -> Assistant? {
        try modify(id, ifMatch: ifMatch) { assistant in
            guard assistant.isActive != isActive else { return false }
            assistant.isActive = isActive
            return true
        }
    }

    /// Hides the assistant from the API; it and its versions stay for the audit trail. `false` when
    /// there is no such (undeleted) assistant in this organization.
    func delete(_ id: UUID) throws -> Bool {
        let now = Date.now.truncatedToMicroseconds
        return try database.execute(
            sql: """
            UPDATE assistants SET deleted_at = ?, updated_at = ?, revision = revision + 1
            WHERE organization_id = ? AND id = ? AND deleted_at IS NULL
            """, [now.databaseValue, now.databaseValue, organizationID.databaseValue, id.databaseValue]
        ).affectedRows == 1
    }

    /// Locks the assistant, checks `If-Match`, lets `change` edit it, and writes it back with a new
    /// revision when it reports a change — all in one transaction.
    private func modify(_ id: UUID, ifMatch: String?, _ change: (inout Assistant) throws -> Bool) throws -> Assistant? {
        try database.transaction {
            guard
                var assistant = try database.query(
                    sql: """
                    SELECT \(Self.assistantColumns) FROM assistants
                    WHERE organization_id = ? AND id = ? AND deleted_at IS NULL FOR UPDATE
                    """, [organizationID.databaseValue, id.databaseValue]
                ).first.map(Self.decodeAssistant)
            else { return nil }
            if let ifMatch, !Self.matches(ifMatch, assistant.etag) { throw Self.stale }
            guard try change(&assistant) else { return assistant }
            assistant.revision += 1
            assistant.updatedAt = .now.truncatedToMicroseconds
            try database.execute(
                sql: """
                UPDATE assistants SET \(Self.configurationColumns.map { "\($0) = ?" }.joined(separator: ", ")),
                    is_active = ?, knowledge_mode = ?, live_version = ?, latest_version = ?, revision = ?, updated_at = ?
                WHERE organization_id = ? AND id = ?
                """,
                Self.values(of: assistant.configuration) + [
                    assistant.isActive.databaseValue, .text(assistant.knowledgeMode), .int(Int64(assistant.liveVersion)),
                    .int(Int64(assistant.latestVersion)),
                    .int(Int64(assistant.revision)), assistant.updatedAt.databaseValue,
                    organizationID.databaseValue, id.databaseValue,
                ])
            return assistant
        }
    }

    /// `If-Match`: `*` or a comma-separated list of entity tags, compared strongly.
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag
        }
    }

    // MARK: Versions

    func versions(of id: UUID, _ page: Pagination) throws -> Page<AssistantVersion>? {
        guard let assistant = try find(id) else { return nil }
        let items = try database.query(
            sql: """
            SELECT \(Self.versionColumns) FROM assistant_versions
            WHERE organization_id = ? AND assistant_id = ? ORDER BY version DESC LIMIT ? OFFSET ?
            """, [organizationID.databaseValue, id.databaseValue, .int(Int64(page.limit)), .int(Int64(page.offset))]
        )
        .map { try Self.decodeVersion($0, liveVersion: assistant.liveVersion) }
        return Page(items: items, count: assistant.latestVersion)
    }

    func version(of id: UUID, number: Int) throws -> AssistantVersion? {
        guard let assistant = try find(id) else { return nil }
        return try version(of: assistant, number: number)
    }

    /// A version of an assistant already read in this organization.
    private func version(of assistant: Assistant, number: Int) throws -> AssistantVersion? {
        try database.query(
            sql: """
            SELECT \(Self.versionColumns) FROM assistant_versions
            WHERE organization_id = ? AND assistant_id = ? AND version = ?
            """, [organizationID.databaseValue, assistant.id.databaseValue, .int(Int64(number))]
        )
        .first.map { try Self.decodeVersion($0, liveVersion: assistant.liveVersion) }
    }

    private func insertVersion(_ version: AssistantVersion) throws {
        try database.execute(
            sql: """
            INSERT INTO assistant_versions (organization_id, assistant_id, version,
                \(Self.configurationColumns.joined(separator: ", ")), changed_fields, change_note, created_by_api_key_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [organizationID.databaseValue, version.assistantID.databaseValue, .int(Int64(version.version))]
                + Self.values(of: version.configuration)
                + [
                    .text(JSONValue.array(version.changedFields.map(JSONValue.string)).serialized),
                    version.changeNote.databaseValue, version.createdByAPIKeyID.databaseValue, version.createdAt.databaseValue,
                ])
    }

    // MARK: Rows

    /// Values in the order of `configurationColumns`.
    private static func values(of configuration: AssistantConfiguration) -> [DatabaseValue] {
        let templates = JSONValue.array(
            configuration.taskTemplates.map {
                .object(["name": .string($0.name), "template": .string($0.template)])
            })
        return [
            .text(configuration.name), .text(configuration.description), .text(configuration.tone),
            .text(configuration.language), .text(templates.serialized), .text(JSONValue.object(configuration.metadata).serialized),
        ]
    }

    private static func decodeConfiguration(_ row: Row) throws -> AssistantConfiguration {
        let templates = try JSONValue.parse(Data(try row.decode(String.self, "task_templates").utf8)).arrayValue ?? []
        return AssistantConfiguration(
            name: try row.decode(String.self, "name"),
            description: try row.decode(String.self, "description"),
            tone: try row.decode(String.self, "tone"),
            language: try row.decode(String.self, "language"),
            taskTemplates: templates.compactMap { item in
                guard let name = item.objectValue?["name"]?.stringValue,
                    let template = item.objectValue?["template"]?.stringValue
                else { return nil }
                return TaskTemplate(name: name, template: template)
            },
            metadata: try JSONValue.parse(Data(try row.decode(String.self, "metadata").utf8)).objectValue ?? [:])
    }

    private static func decodeAssistant(_ row: Row) throws -> Assistant {
        Assistant(
            id: try row.decode(UUID.self, "id"),
            configuration: try decodeConfiguration(row),
            isActive: try row.decode(Bool.self, "is_active"),
            knowledgeMode: try row.decode(String.self, "knowledge_mode"),
            liveVersion: try row.decode(Int.self, "live_version"),
            latestVersion: try row.decode(Int.self, "latest_version"),
            revision: try row.decode(Int.self, "revision"),
            createdAt: try row.decode(Date.self, "created_at"),
            updatedAt: try row.decode(Date.self, "updated_at"))
    }

    private static func decodeVersion(_ row: Row, liveVersion: Int) throws -> AssistantVersion {
        let number = try row.decode(Int.self, "version")
        let changed = try JSONValue.parse(Data(try row.decode(String.self, "changed_fields").utf8)).arrayValue ?? []
        return AssistantVersion(
            assistantID: try row.decode(UUID.self, "assistant_id"),
            version: number,
            configuration: try decodeConfiguration(row),
            changedFields: changed.compactMap(\.stringValue),
            changeNote: try row.decode(String?.self, "change_note"),
            createdByAPIKeyID: try row.decode(UUID?.self, "created_by_api_key_id"),
            createdAt: try row.decode(Date.self, "created_at"),
            isLive: number == liveVersion)
    }
}
