import Foundation
import HTTP

/// The fields a client may set on an assistant, validated. For a create, absent optional fields take
/// their defaults; for a change, absent (or `null`) fields stay as they are. Configuration fields
/// go into a version; `is_active` is operational state; `promote` and `change_note` steer the write.
struct AssistantInput: Equatable {
    var name: String?
    var description: String?
    var tone: String?
    var language: String?
    var taskTemplates: [TaskTemplate]?
    var isActive: Bool?
    var metadata: [String: JSONValue]?
    var knowledgeMode: String?
    /// Make the new version live (the default), or keep it as a draft.
    var promote = true
    var changeNote: String?

    /// Whether any versioned field was sent.
    var changesConfiguration: Bool {
        name != nil || description != nil || tone != nil || language != nil || taskTemplates != nil || metadata != nil
    }

    static let defaultTone = "professional"
    static let defaultLanguage = "en"
    static let maximumDescriptionLength = 5_000
    static let maximumTemplates = 50
    static let maximumTemplateLength = 20_000
    static let maximumMetadataBytes = 16 * 1024

    /// Reads and validates a body; `requireName` for creation. Throws one `422` listing every problem.
    init(_ reader: FieldReader, requireName: Bool) throws {
        var reader = reader
        name = reader.string("name", required: requireName, minLength: 1, maxLength: OrganizationStore.maximumNameLength)
        if let value = name, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.fail("name", "String should not be blank", type: "string_blank")
            name = nil
        }
        description = reader.string("description", maxLength: Self.maximumDescriptionLength)
        tone = reader.string("tone", minLength: 1, maxLength: 100)
        if let text = reader.string("language", minLength: 2, maxLength: LanguageTag.maximumLength) {
            if let tag = LanguageTag.canonical(text) {
                language = tag
            } else {
                reader.fail("language", "Value error, not a well-formed BCP 47 language tag", type: "value_error")
            }
        }
        taskTemplates = reader.objects("task_templates", maxItems: Self.maximumTemplates) { item -> TaskTemplate? in
            let name = item.string("name", required: true, minLength: 1, maxLength: 100)
            let template = item.string("template", required: true, minLength: 1, maxLength: Self.maximumTemplateLength)
            guard let name, let template else { return nil }
            do throws(Placeholders.SyntaxError) {
                _ = try Placeholders.parse(template)
            } catch {
                item.fail(
                    "template", "Value error, template \"\(name)\": \(error.reason) at character \(error.offset)", type: "value_error")
                return nil
            }
            return TaskTemplate(name: name, template: template)
        }
        if let templates = taskTemplates {
            var seen: Set<String> = []
            for (index, template) in templates.enumerated() where !seen.insert(template.name).inserted {
                reader.fail(
                    at: [.key("task_templates"), .index(index), .key("name")],
                    "Value error, duplicate template name", type: "value_error")
            }
        }
        isActive = reader.bool("is_active")
        if let mode = reader.string("knowledge_mode", maxLength: 10) {
            if mode == "all" || mode == "linked" {
                knowledgeMode = mode
            } else {
                reader.fail("knowledge_mode", "Input should be 'all' or 'linked'", type: "enum")
            }
        }
        metadata = reader.object("metadata", maxBytes: Self.maximumMetadataBytes)
        changeNote = reader.string("change_note", maxLength: 500)
        // Version 1 is always live; only a change can be kept as a draft.
        if !requireName { promote = reader.bool("promote") ?? true }
        try reader.finish()
    }
}
