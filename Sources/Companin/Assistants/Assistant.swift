import Foundation
import HTTP
import MariaDB

/// A customer-facing assistant: the live version's configuration plus operational state.
public struct Assistant: Sendable, Equatable, Decodable {
    public var id: UUID
    var configuration: AssistantConfiguration
    public var isActive: Bool
    /// `all` (every source but excluded ones) or `linked` (only included ones); operational, not versioned.
    public var knowledgeMode: String
    public var liveVersion: Int
    public var latestVersion: Int
    /// Counts every change; the ETag clients send back in `If-Match`.
    var revision: Int
    public var createdAt: Date
    public var updatedAt: Date

    /// A strong entity tag of the assistant's current state.
    var etag: String { "\"\(id.uuidString.lowercased().prefix(8))-\(revision)\"" }
}

/// A named default task an assistant offers, e.g. `{"name": "refund", "template": "Refund {{order_id}}"}`.
public struct TaskTemplate: Sendable, Equatable, Codable {
    public var name: String
    public var template: String
}

extension Assistant: DatabaseRecord {
    public static let databaseTable = "assistants"
    public static let databaseColumns = [
        "id", "name", "description", "tone", "language", "task_templates", "metadata", "is_active", "knowledge_mode",
        "live_version", "latest_version", "revision", "created_at", "updated_at",
    ]

    /// The API's fields; the row adds `revision`.
    enum Field: String, CodingKey {
        case id
        case revision
        case isActive = "is_active"
        case knowledgeMode = "knowledge_mode"
        case liveVersion = "live_version"
        case latestVersion = "latest_version"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(id, forKey: .id)
        try configuration.encode(to: encoder)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(knowledgeMode, forKey: .knowledgeMode)
        try container.encode(liveVersion, forKey: .liveVersion)
        try container.encode(latestVersion, forKey: .latestVersion)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        if encoder.isEncodingDatabaseRow { try container.encode(revision, forKey: .revision) }
    }
}
