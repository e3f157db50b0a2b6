import Foundation
import HTTP
import MariaDB

/// One immutable configuration of an assistant, with who wrote it, when, why, and what it changed.
struct AssistantVersion: Equatable, Decodable {
    var assistantID: UUID
    var version: Int
    var configuration: AssistantConfiguration
    var changedFields: [String]
    var changeNote: String?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    /// Whether this is the version the assistant serves now (not stored: selected as
    /// `version = live_version`, see `liveSelection`).
    var isLive: Bool
}

extension AssistantVersion: DatabaseRecord {
    static let databaseTable = "assistant_versions"
    static let databaseColumns = [
        "assistant_id", "version", "name", "description", "tone", "language", "task_templates", "metadata", "changed_fields",
        "change_note", "created_by_api_key_id", "created_at",
    ]

    /// The columns, and whether the version is `liveVersion`.
    static func liveSelection(_ liveVersion: Int) -> SQL {
        "\(selection()), version = \(liveVersion) AS is_live"
    }

    enum Field: String, CodingKey {
        case assistantID = "assistant_id"
        case version
        case isLive = "is_live"
        case changedFields = "changed_fields"
        case changeNote = "change_note"
        case createdByAPIKeyID = "created_by_api_key_id"
        case createdAt = "created_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        try container.encode(assistantID, forKey: .assistantID)
        try container.encode(version, forKey: .version)
        try configuration.encode(to: encoder)
        if !encoder.isEncodingDatabaseRow { try container.encode(isLive, forKey: .isLive) }
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
