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

    /// The fields of a create; a change takes them all as optional, and `promote`.
    static let createFields = FieldSet([
        Fields.name, Fields.description, Fields.tone, Fields.language, Fields.taskTemplates, Fields.isActive, Fields.metadata,
        Fields.knowledgeMode, Fields.changeNote,
    ])
    static let updateFields = createFields.partial.adding(Fields.promote)

    enum Fields {
        static let name = Field(
            "name", .string(minLength: 1, maxLength: OrganizationStore.maximumNameLength), required: true,
            "What operators call the assistant; not blank")
        static let description = Field("description", .string(maxLength: maximumDescriptionLength), "What the assistant is for")
        static let tone = Field("tone", .string(minLength: 1, maxLength: 100), "How the assistant speaks; professional by default")
        static let language = Field(
            "language", .string(minLength: 2, maxLength: LanguageTag.maximumLength),
            "A BCP 47 language tag (en, pt-BR), stored in canonical case; en by default")
        static let taskTemplates = Field(
            "task_templates", .list(of: .fields(TaskTemplate.fields), maxItems: maximumTemplates),
            "Named templates with {placeholders}; names unique")
        static let isActive = Field("is_active", .boolean, "Whether the assistant takes conversations")
        static let metadata = Field("metadata", .object(maxBytes: maximumMetadataBytes), "Free-form JSON for the organization's own use")
        static let knowledgeMode = Field(
            "knowledge_mode", .choice(["all", "linked"]),
            "all: every source of the organization except excluded ones; linked: only the linked ones")
        static let changeNote = Field("change_note", .string(maxLength: 500), "Why this version was made")
        static let promote = Field("promote", .boolean, "Make the new version live (the default), or keep it as a draft")
    }

    /// Reads and validates a body; `requireName` for creation. Throws one `422` listing every problem.
    init(_ reader: FieldReader, requireName: Bool) throws {
        var reader = reader
        name = reader.string(Fields.name.required(requireName))
        if let value = name, value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.fail("name", "String should not be blank", type: "string_blank")
            name = nil
        }
        description = reader.string(Fields.description)
        tone = reader.string(Fields.tone)
        if let text = reader.string(Fields.language) {
            if let tag = LanguageTag.canonical(text) {
                language = tag
            } else {
                reader.fail("language", "Value error, not a well-formed BCP 47 language tag", type: "value_error")
            }
        }
        taskTemplates = reader.objects(Fields.taskTemplates) { item -> TaskTemplate? in
            let name = item.string(TaskTemplate.Fields.name)
            let template = item.string(TaskTemplate.Fields.template)
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
        isActive = reader.bool(Fields.isActive)
        knowledgeMode = reader.choice(Fields.knowledgeMode)
        metadata = reader.object(Fields.metadata)
        changeNote = reader.string(Fields.changeNote)
        // Version 1 is always live; only a change can be kept as a draft.
        if !requireName { promote = reader.bool(Fields.promote) ?? true }
        try reader.finish()
    }
}

extension TaskTemplate {
    static let fields = FieldSet([Fields.name, Fields.template])

    enum Fields {
        static let name = Field("name", .string(minLength: 1, maxLength: 100), required: true, "Unique within the assistant")
        static let template = Field(
            "template", .string(minLength: 1, maxLength: AssistantInput.maximumTemplateLength), required: true,
            "Text with {placeholders}, filled in from a conversation's task variables")
    }
}

/// `POST …/templates/:name/render`: `{variables?}`.
enum TemplateRenderInput {
    static let fields = FieldSet([variables])
    static let variables = Field(
        "variables", .object(maxBytes: AssistantInput.maximumTemplateLength), "Values for the template's placeholders, by name")
}
