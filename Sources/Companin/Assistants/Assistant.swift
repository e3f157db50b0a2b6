import Foundation
import HTTP

/// A customer-facing assistant and its current configuration.
public struct Assistant: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var description: String
    public var tone: String
    public var language: String
    public var taskTemplates: [TaskTemplate]
    public var isActive: Bool
    public var metadata: [String: JSONValue]
    public var createdAt: Date
    public var updatedAt: Date
}

/// A named default task an assistant offers, e.g. `{"name": "refund", "template": "…"}`.
public struct TaskTemplate: Sendable, Equatable, Codable {
    public var name: String
    public var template: String
}

extension Assistant: Encodable {
    enum CodingKeys: String, CodingKey {
        case id, name, description, tone, language
        case taskTemplates = "task_templates"
        case isActive = "is_active"
        case metadata
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
