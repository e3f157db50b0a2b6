import Foundation
import HTTP

/// A customer-facing assistant: the live version's configuration plus operational state.
public struct Assistant: Sendable, Equatable {
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

extension Assistant: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, name, description, tone, language
        case taskTemplates = "task_templates"
        case metadata
        case isActive = "is_active"
        case knowledgeMode = "knowledge_mode"
        case liveVersion = "live_version"
        case latestVersion = "latest_version"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try configuration.encode(into: &container)
        try container.encode(isActive, forKey: .isActive)
        try container.encode(knowledgeMode, forKey: .knowledgeMode)
        try container.encode(liveVersion, forKey: .liveVersion)
        try container.encode(latestVersion, forKey: .latestVersion)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}

extension AssistantConfiguration {
    /// Writes the six configuration fields into a container whose keys spell them the API's way.
    func encode<Key: CodingKey>(into container: inout KeyedEncodingContainer<Key>) throws {
        try container.encode(name, forKey: Key(stringValue: "name")!)
        try container.encode(description, forKey: Key(stringValue: "description")!)
        try container.encode(tone, forKey: Key(stringValue: "tone")!)
        try container.encode(language, forKey: Key(stringValue: "language")!)
        try container.encode(taskTemplates, forKey: Key(stringValue: "task_templates")!)
        try container.encode(metadata, forKey: Key(stringValue: "metadata")!)
    }
}
