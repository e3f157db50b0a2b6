import Foundation
import HTTP
import Testing

@testable import Companin

@Suite struct PlaceholderTests {
    @Test func parsesAndRendersVariables() throws {
        let pieces = try Placeholders.parse("Hi {{ name }}, order {{order.id}} ({{name}}) {json: {\"a\": 1}}")
        #expect(Placeholders.variables(in: pieces) == ["name", "order.id"])
        #expect(
            Placeholders.render(pieces, values: ["name": "Ana", "order.id": "42"])
                == "Hi Ana, order 42 (Ana) {json: {\"a\": 1}}")
        #expect(try Placeholders.parse("no placeholders") == [.text("no placeholders")])
    }

    @Test(arguments: [
        ("Refund {{order_id", "unclosed {{", 7),
        ("{{}}", "empty placeholder", 0),
        ("x {{ 1st }}", "invalid variable name \"1st\"", 2),
        ("{{{name}}}", "invalid variable name \"{name\"", 0),
        ("{{a..b}}", "invalid variable name \"a..b\"", 0),
        ("{{ full name }}", "invalid variable name \"full name\"", 0),
    ])
    func refusesBadSyntax(template: String, reason: String, offset: Int) {
        #expect(throws: Placeholders.SyntaxError(offset: offset, reason: reason)) { try Placeholders.parse(template) }
    }

    @Test func renderingListsEveryMissingVariable() throws {
        let template = TaskTemplate(name: "refund", template: "Refund {{order_id}} for {{customer}} at {{ amount }}")
        let rendered = try TemplateRendering.render(
            template, variables: ["order_id": .int(42), "customer": .string("Ana"), "amount": .double(9.5)])
        #expect(rendered.text == "Refund 42 for Ana at 9.5")
        #expect(rendered.variables == ["order_id", "customer", "amount"])
        #expect(
            throws: ValidationError([
                FieldError(loc: [.key("body"), .key("variables"), .key("order_id")], msg: "Field required", type: "missing"),
                FieldError(
                    loc: [.key("body"), .key("variables"), .key("amount")], msg: "Input should be a string, number or boolean",
                    type: "scalar_type"),
            ])
        ) {
            try TemplateRendering.render(template, variables: ["customer": .string("Ana"), "amount": .array([])])
        }
    }

    @Test func aRenderingLargerThanATaskCanHoldIs422BeforeItIsBuilt() throws {
        // The largest template and variable the API accepts: 4,000 uses of a 20,000-byte value.
        let template = TaskTemplate(name: "flood", template: String(repeating: "{{v}}", count: 4_000))
        let value = String(repeating: "x", count: 20_000)
        #expect(
            throws: ValidationError([
                FieldError(
                    loc: [.key("body"), .key("variables")], msg: "The rendered text would be 80000000 bytes; at most 65535",
                    type: "too_long")
            ])
        ) { try TemplateRendering.render(template, variables: ["v": .string(value)]) }
        // Exactly at the limit it renders, counted in UTF-8 bytes ("é" is two).
        let exact = TaskTemplate(name: "exact", template: "{{v}}" + String(repeating: "é", count: 5))
        let fits = try TemplateRendering.render(exact, variables: ["v": .string(String(repeating: "a", count: 65_525))])
        #expect(fits.text.utf8.count == 65_535)
        #expect(throws: ValidationError.self) {
            try TemplateRendering.render(exact, variables: ["v": .string(String(repeating: "a", count: 65_526))])
        }
    }

    @Test func invalidTemplateSyntaxIs422NamingTheTemplate() throws {
        let reader = try Request(
            method: .post, path: "/", headers: ["Content-Type": "application/json"],
            body: Data(
                #"{"name": "A", "task_templates": [{"name": "ok", "template": "{{a}}"}, {"name": "refund", "template": "Refund {{order"}]}"#
                    .utf8)
        )
        .jsonObjectBody()
        #expect(
            throws: ValidationError([
                FieldError(
                    loc: [.key("body"), .key("task_templates"), .index(1), .key("template")],
                    msg: "Value error, template \"refund\": unclosed {{ at character 7", type: "value_error")
            ])
        ) {
            try AssistantInput(reader, requireName: true)
        }
    }
}

@Suite struct AssistantConfigurationTests {
    let base = AssistantConfiguration(
        name: "Ana", description: "", tone: "friendly", language: "en",
        taskTemplates: [], metadata: ["a": .int(1)])

    @Test func changedFieldsFollowAPIOrder() {
        var other = base
        other.metadata = [:]
        other.tone = "formal"
        #expect(other.changedFields(comparedTo: base) == ["tone", "metadata"])
        #expect(base.changedFields(comparedTo: base) == [])
    }

    @Test func ifMatchAcceptsTheCurrentTagAStarOrAList() {
        #expect(AssistantStore.matches("\"abc-3\"", "\"abc-3\""))
        #expect(AssistantStore.matches("*", "\"abc-3\""))
        #expect(AssistantStore.matches("\"abc-2\", \"abc-3\"", "\"abc-3\""))
        #expect(!AssistantStore.matches("\"abc-2\"", "\"abc-3\""))
        #expect(!AssistantStore.matches("W/\"abc-3\"", "\"abc-3\""))
    }
}
