import HTTP
import MariaDB

/// What an assistant version holds: everything about an assistant that operators version.
/// Operational state (`is_active`) is not part of it.
/// Its six fields are columns of both the assistant's row and each version's row.
struct AssistantConfiguration: Equatable, FlattenedColumns {
    var name: String
    var description: String
    var tone: String
    var language: String
    var taskTemplates: [TaskTemplate]
    var metadata: [String: JSONValue]

    /// Field names in API order, as `changed_fields` reports them.
    static let fieldNames = ["name", "description", "tone", "language", "task_templates", "metadata"]

    /// The configuration with the fields present in `input` replaced.
    func applying(_ input: AssistantInput) -> AssistantConfiguration {
        var result = self
        if let name = input.name { result.name = name }
        if let description = input.description { result.description = description }
        if let tone = input.tone { result.tone = tone }
        if let language = input.language { result.language = language }
        if let templates = input.taskTemplates { result.taskTemplates = templates }
        if let metadata = input.metadata { result.metadata = metadata }
        return result
    }

    /// Names of the fields that differ from `other`, in API order.
    func changedFields(comparedTo other: AssistantConfiguration) -> [String] {
        var changed: [String] = []
        if name != other.name { changed.append("name") }
        if description != other.description { changed.append("description") }
        if tone != other.tone { changed.append("tone") }
        if language != other.language { changed.append("language") }
        if taskTemplates != other.taskTemplates { changed.append("task_templates") }
        if metadata != other.metadata { changed.append("metadata") }
        return changed
    }
}
