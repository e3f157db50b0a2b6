import Foundation
import HTTP
import Testing

@testable import Companin

@Suite struct AssistantInputTests {
    func reader(_ json: String) throws -> FieldReader {
        try Request(method: .post, path: "/", headers: ["Content-Type": "application/json"], body: Data(json.utf8)).jsonObjectBody()
    }

    func errors(_ json: String, requireName: Bool = true) throws -> [FieldError] {
        do {
            _ = try AssistantInput(try reader(json), requireName: requireName)
            return []
        } catch let error as ValidationError {
            return error.errors
        }
    }

    @Test func validCreateReadsEveryField() throws {
        let input = try AssistantInput(
            try reader(
                """
                {"name": "Ana", "description": "Billing help", "tone": "friendly", "language": "pt-br",
                 "task_templates": [{"name": "refund", "template": "Refund {order}"}], "is_active": false,
                 "metadata": {"team": "billing", "tier": 2}}
                """), requireName: true)
        #expect(input.name == "Ana")
        #expect(input.language == "pt-BR")
        #expect(input.taskTemplates == [TaskTemplate(name: "refund", template: "Refund {order}")])
        #expect(input.isActive == false)
        #expect(input.metadata == ["team": .string("billing"), "tier": .int(2)])
    }

    @Test func missingNameOnCreateOnly() throws {
        #expect(try errors("{}") == [FieldError(loc: [.key("body"), .key("name")], msg: "Field required", type: "missing")])
        #expect(try errors("{}", requireName: false) == [])
        #expect(try errors(#"{"name": null}"#, requireName: false) == [])
    }

    @Test func everyProblemIsReportedWithItsPath() throws {
        let found = try errors(
            """
            {"name": "   ", "language": "english!", "tone": "", "is_active": "yes", "metadata": [1],
             "task_templates": [{"name": "a", "template": "x"}, {"name": "a", "template": "y"}, {"template": ""}],
             "colour": "blue"}
            """)
        let paths = found.map {
            $0.loc.map { location -> String in
                switch location {
                case .key(let key): key
                case .index(let index): String(index)
                }
            }.joined(separator: ".")
        }
        #expect(
            Set(paths) == [
                "body.name", "body.language", "body.tone", "body.is_active", "body.metadata",
                "body.task_templates.2.name", "body.task_templates.2.template", "body.colour",
            ])
        #expect(found.first { $0.loc.last == .key("colour") }?.type == "extra_forbidden")
    }

    @Test func duplicateTemplateNamesAreRefused() throws {
        let found = try errors(#"{"name": "A", "task_templates": [{"name": "a", "template": "x"}, {"name": "a", "template": "y"}]}"#)
        #expect(
            found == [
                FieldError(
                    loc: [.key("body"), .key("task_templates"), .index(1), .key("name")],
                    msg: "Value error, duplicate template name", type: "value_error")
            ])
    }

    @Test func limitsAreEnforced() throws {
        let longName = String(repeating: "n", count: 201)
        #expect(try errors(#"{"name": "\#(longName)"}"#).map(\.type) == ["string_too_long"])
        let bigMetadata = String(repeating: "x", count: 17_000)
        #expect(try errors(#"{"name": "A", "metadata": {"k": "\#(bigMetadata)"}}"#).map(\.type) == ["too_long"])
    }
}
