import Foundation
import HTTP

/// One immutable configuration of an assistant, with who wrote it, when, why, and what it changed.
struct AssistantVersion: Equatable {
    var assistantID: UUID
    var version: Int
    var configuration: AssistantConfiguration
    var changedFields: [String]
    var changeNote: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    /// Whether this is the version the assistant serves now (not stored: read from the assistant).
    var isLive: Bool
}

extension AssistantVersion: Encodable {
    enum CodingKeys: String, CodingKey {
        case assistantID = "assistant_id"
        case version
        case name, description, tone, language
        case taskTemplates = "task_templates"
        case metadata
        case isLive = "is_live"
        case changedFields = "changed_fields"
        case changeNote = "change_note"
        case createdByAPIKeyID = "created_by_api_key_id"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assistantID, forKey: .assistantID)
        try container.encode(version, forKey: .version)
        try configuration.encode(into: &container)
        try container.encode(isLive, forKey: .isLive)
        try container.encode(changedFields, forKey: .changedFields)
        if let changeNote { try container.encode(changeNote, forKey: .changeNote) } else { try container.encodeNil(forKey: .changeNote) }
        if let createdByAPIKeyID {
            try container.encode(createdByAPIKeyID, forKey: .createdByAPIKeyID)
        } else {
            try container.encodeNil(forKey: .createdByAPIKeyID)
        }
        try container.encode(createdAt, forKey: .createdAt)
    }
}
