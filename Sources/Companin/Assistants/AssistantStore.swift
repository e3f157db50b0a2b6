import Foundation
import HTTP
import MariaDB

/// Assistants and their versions in MariaDB. Every statement is scoped by the caller's organization
/// in SQL, and every write is one transaction: a responder killed part-way leaves the old state or
/// the new one, never a version without its assistant or a live pointer to a missing version.
struct AssistantStore {
    let db: ScopedConnection

    init(_ db: ScopedConnection) {
        self.db = db
    }

    /// A refused precondition: the client's `If-Match` names a state that is no longer current.
    static let stale = HTTPError(.preconditionFailed, detail: "The assistant changed since you read it; fetch it again")

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
        try db.transaction {
            try db.insert(assistant)
            try db.insert(
                AssistantVersion(
                    assistantID: assistant.id, version: 1, configuration: configuration,
                    changedFields: AssistantConfiguration.fieldNames, changeNote: input.changeNote,
                    createdByAPIKeyID: apiKeyID, createdAt: now, isLive: true))
        }
        return assistant
    }

    func find(_ id: UUID) throws -> Assistant? {
        try db.find(Assistant.self, where: "id = \(id) AND deleted_at IS NULL")
    }

    func list(_ page: Pagination) throws -> Page<Assistant> {
        // `assistant_counts` (kept by triggers) holds the count, so a page costs the same in any organization.
        try db.page(
            Assistant.self, where: "deleted_at IS NULL", orderBy: "created_at, id", page,
            countedBy: "SELECT CAST(COALESCE(SUM(assistants), 0) AS SIGNED) FROM assistant_counts WHERE \(db.condition)")
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
                    try db.insert(
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
        return try db.execute(
            """
            UPDATE assistants SET deleted_at = \(now), updated_at = \(now), revision = revision + 1
            WHERE \(db.condition) AND id = \(id) AND deleted_at IS NULL
            """
        ).affectedRows == 1
    }

    /// Locks the assistant, checks `If-Match`, lets `change` edit it, and writes it back with a new
    /// revision when it reports a change — all in one transaction.
    private func modify(_ id: UUID, ifMatch: String?, _ change: (inout Assistant) throws -> Bool) throws -> Assistant? {
        try db.transaction {
            guard
                var assistant = try db.fetchOne(
                    Assistant.self,
                    "SELECT \(Assistant.selection()) FROM assistants WHERE \(db.condition) AND id = \(id) AND deleted_at IS NULL FOR UPDATE"
                )
            else { return nil }
            if let ifMatch, !Self.matches(ifMatch, assistant.etag) { throw Self.stale }
            guard try change(&assistant) else { return assistant }
            assistant.revision += 1
            assistant.updatedAt = .now.truncatedToMicroseconds
            try db.update(Assistant.databaseTable, set: try RowEncoder().encode(assistant), where: "id = \(id)")
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
        let items = try db.fetchAll(
            AssistantVersion.self,
            """
            SELECT \(AssistantVersion.liveSelection(assistant.liveVersion)) FROM assistant_versions
            WHERE \(db.condition) AND assistant_id = \(id) ORDER BY version DESC LIMIT \(page.limit) OFFSET \(page.offset)
            """
        )
        return Page(items: items, count: assistant.latestVersion)
    }

    func version(of id: UUID, number: Int) throws -> AssistantVersion? {
        guard let assistant = try find(id) else { return nil }
        return try version(of: assistant, number: number)
    }

    /// A version of an assistant already read in this organization.
    private func version(of assistant: Assistant, number: Int) throws -> AssistantVersion? {
        try db.fetchOne(
            AssistantVersion.self,
            """
            SELECT \(AssistantVersion.liveSelection(assistant.liveVersion)) FROM assistant_versions
            WHERE \(db.condition) AND assistant_id = \(assistant.id) AND version = \(number)
            """)
    }
}
