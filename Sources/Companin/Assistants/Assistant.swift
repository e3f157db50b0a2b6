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

// By hand, for lists and reads: the `Codable` conformances above stay the reference
// (`AssistantCodingTests` checks that both give the same).
extension Assistant: JSONWritable, RowDecodable {
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("id", id)
        configuration.writeFields(to: &json)
        json.field("is_active", isActive)
        json.field("knowledge_mode", knowledgeMode)
        json.field("live_version", liveVersion)
        json.field("latest_version", latestVersion)
        json.field("created_at", createdAt)
        json.field("updated_at", updatedAt)
        json.endObject()
    }

    public init(row: Row) throws {
        id = try row.decode(UUID.self, "id")
        configuration = try AssistantConfiguration(row: row)
        isActive = try row.decode(Bool.self, "is_active")
        knowledgeMode = try row.decode(String.self, "knowledge_mode")
        liveVersion = try row.decode(Int.self, "live_version")
        latestVersion = try row.decode(Int.self, "latest_version")
        revision = try row.decode(Int.self, "revision")
        createdAt = try row.decode(Date.self, "created_at")
        updatedAt = try row.decode(Date.self, "updated_at")
    }
}

extension AssistantConfiguration {
    /// Its six fields, into the object being written.
    func writeFields(to json: inout JSONWriter) {
        json.field("name", name)
        json.field("description", description)
        json.field("tone", tone)
        json.field("language", language)
        json.key("task_templates")
        json.beginArray()
        for template in taskTemplates {
            json.beginObject()
            json.field("name", template.name)
            json.field("template", template.template)
            json.endObject()
        }
        json.endArray()
        json.field("metadata", metadata)
    }

    init(row: Row) throws {
        name = try row.decode(String.self, "name")
        description = try row.decode(String.self, "description")
        tone = try row.decode(String.self, "tone")
        language = try row.decode(String.self, "language")
        // JSON columns through the project's own parser; the shapes `Codable` would accept.
        func json(_ column: String) throws -> JSONValue {
            let bytes: [UInt8] =
                switch row[column] {
                case .text(let text): Array(text.utf8)
                case .blob(let blob): blob
                default: throw DatabaseError(kind: .decoding, message: "column '\(column)': expected JSON text")
                }
            do {
                return try JSONValue.parse(Data(bytes))
            } catch {
                throw DatabaseError(kind: .decoding, message: "column '\(column)': not JSON")
            }
        }
        guard case .array(let templates) = try json("task_templates") else {
            throw DatabaseError(kind: .decoding, message: "column 'task_templates': not a JSON array")
        }
        taskTemplates = try templates.map { item in
            guard case .object(let members) = item, case .string(let name) = members["name"],
                case .string(let template) = members["template"]
            else { throw DatabaseError(kind: .decoding, message: "column 'task_templates': not a list of task templates") }
            return TaskTemplate(name: name, template: template)
        }
        guard case .object(let metadata) = try json("metadata") else {
            throw DatabaseError(kind: .decoding, message: "column 'metadata': not a JSON object")
        }
        self.metadata = metadata
    }
}
