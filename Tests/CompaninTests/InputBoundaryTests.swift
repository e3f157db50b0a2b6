import Foundation
import HTTP
import Testing

@testable import Companin

/// Every declared limit of every request body, checked at its boundary through the reader the route
/// uses: the limits the OpenAPI document states (derived from the same declarations) are the ones enforced.
@Suite struct InputBoundaryTests {
    struct Body: CustomTestStringConvertible, Sendable {
        var name: String
        var fields: FieldSet
        var read: @Sendable (FieldReader) throws -> Void
        var testDescription: String { name }
    }

    static func reason(_ field: Field) -> @Sendable (FieldReader) throws -> Void {
        { reader in
            var reader = reader
            _ = reader.string(field)
            try reader.finish()
        }
    }

    static let bodies: [Body] = [
        Body(name: "assistant", fields: AssistantInput.createFields) { _ = try AssistantInput($0, requireName: true) },
        Body(name: "assistant change", fields: AssistantInput.updateFields) { _ = try AssistantInput($0, requireName: false) },
        Body(name: "template rendering", fields: TemplateRenderInput.fields) { reader in
            var reader = reader
            _ = reader.object(TemplateRenderInput.variables)
            try reader.finish()
        },
        Body(name: "session", fields: SessionInput.fields(.standard)) {
            _ = try SessionInput($0, partial: false, configuration: .standard)
        },
        Body(name: "session change", fields: SessionInput.updateFields(.standard)) {
            _ = try SessionInput($0, partial: true, configuration: .standard)
        },
        Body(name: "session end", fields: FieldSet([SessionInput.endReason]), read: reason(SessionInput.endReason)),
        Body(name: "context", fields: ContextInput.fields) { _ = try ContextInput($0, partial: false) },
        Body(name: "context change", fields: ContextInput.updateFields) { _ = try ContextInput($0, partial: true) },
        Body(name: "conversation", fields: ConversationInput.fields) { _ = try ConversationInput($0) },
        Body(name: "close", fields: FieldSet([ReasonInput.close]), read: reason(ReasonInput.close)),
        Body(name: "handoff", fields: FieldSet([ReasonInput.handoff]), read: reason(ReasonInput.handoff)),
        Body(name: "message", fields: MessageInput.fields) { _ = try MessageInput($0) },
        Body(name: "feedback", fields: FeedbackInput.fields) { _ = try FeedbackInput($0) },
        Body(name: "Q&A pair", fields: QAInput.fields) { _ = try QAInput($0, partial: false) },
        Body(name: "Q&A change", fields: QAInput.updateFields.partial) { _ = try QAInput($0, partial: true) },
        Body(name: "gap answer", fields: GapAnswerInput.fields) { _ = try GapAnswerInput($0) },
        Body(name: "URL", fields: URLInput.fields) { _ = try URLInput($0) },
        Body(name: "search", fields: SearchInput.fields) { _ = try SearchInput($0) },
        Body(name: "re-embedding", fields: ReembedInput.fields) { _ = try ReembedInput($0) },
        Body(name: "knowledge link", fields: KnowledgeLinkInput.fields) { _ = try KnowledgeLinkInput($0) },
        Body(name: "key", fields: KeyInput.createFields) { _ = try KeyInput($0, partial: false) },
        Body(name: "key change", fields: KeyInput.updateFields) { _ = try KeyInput($0, partial: true) },
        Body(name: "key rotation", fields: KeyRotationInput.fields) { _ = try KeyRotationInput($0) },
        Body(name: "token", fields: TokenInput.fields) { _ = try TokenInput($0) },
    ]

    /// A value of `kind` that its declared limits accept.
    static func sample(_ kind: Field.Kind) -> JSONValue {
        switch kind {
        case .string(let minLength, _): .string(String(repeating: "a", count: max(minLength, 1)))
        case .integer(let minimum, _): .int(minimum)
        case .number(let minimum, _): .double(minimum ?? 0)
        case .boolean: .bool(true)
        case .uuid: .string(UUID().uuidString.lowercased())
        case .dateTime: .string("2026-11-24T17:51:43Z")
        case .choice(let values): .string(values[0])
        case .object: .object([:])
        case .list(let item, let minItems, _): .array(Array(repeating: sample(item), count: minItems))
        case .fields(let set): minimal(set)
        case .file: .string("")
        }
    }

    /// The required fields of `set`, each with a sample value.
    static func minimal(_ set: FieldSet) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: set.fields.filter(\.required).map { ($0.name, sample($0.kind)) }))
    }

    /// `body` with `value` at `path` (object keys, and index 0 of a list of objects).
    static func setting(_ body: JSONValue, _ path: ArraySlice<FieldError.Location>, to value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        switch (first, body) {
        case (.key(let key), .object(var members)):
            members[key] = setting(members[key] ?? .null, path.dropFirst(), to: value)
            return .object(members)
        case (.index(let index), .array(var items)):
            items[index] = setting(items[index], path.dropFirst(), to: value)
            return .array(items)
        default:
            Issue.record("cannot set \(path) in \(body)")
            return body
        }
    }

    /// A declared field inside a body: where it is, and the body it sits in (its enclosing objects present).
    struct Site {
        var path: [FieldError.Location]
        var field: Field
        var body: JSONValue
    }

    static func sites(_ set: FieldSet, path: [FieldError.Location] = [], body: JSONValue) -> [Site] {
        set.fields.flatMap { field -> [Site] in
            let here = path + [.key(field.name)]
            var result = [Site(path: here, field: field, body: body)]
            switch field.kind {
            case .fields(let inner):
                result += sites(inner, path: here, body: setting(body, here[...], to: minimal(inner)))
            case .list(.fields(let inner), _, _):
                result += sites(inner, path: here + [.index(0)], body: setting(body, here[...], to: .array([minimal(inner)])))
            default:
                break
            }
            return result
        }
    }

    static let limitTypes: Set<String> = [
        "string_too_long", "string_too_short", "too_long", "list_type", "greater_than_equal", "less_than_equal",
    ]

    func errors(_ body: Body, _ value: JSONValue) -> [FieldError] {
        guard case .object(let members) = value else { return [] }
        do {
            try body.read(FieldReader(members, location: [.key("body")]))
            return []
        } catch let error as ValidationError {
            return error.errors
        } catch {
            Issue.record("\(error)")
            return []
        }
    }

    /// No limit error at `loc`: the value is within the declared limits (other checks may still refuse it).
    func expectWithinLimits(_ body: Body, _ site: Site, _ value: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
        let loc = [FieldError.Location.key("body")] + site.path
        let found = errors(body, Self.setting(site.body, site.path[...], to: value))
            .filter { $0.loc == loc && Self.limitTypes.contains($0.type) }
        #expect(found == [], "\(body.name): \(site.path)", sourceLocation: sourceLocation)
    }

    func expectRefused(
        _ body: Body, _ site: Site, _ value: JSONValue, msg: String? = nil, type: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let loc = [FieldError.Location.key("body")] + site.path
        let found = errors(body, Self.setting(site.body, site.path[...], to: value)).filter { $0.loc == loc }
        #expect(
            found.contains { $0.type == type && (msg == nil || $0.msg == msg) }, "\(body.name): \(site.path) \(found)",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: bodies) func minimalBodyIsAccepted(_ body: Body) {
        let found = errors(body, Self.minimal(body.fields))
        // Only checks of content (a UUID that is not a template, "a" as a language tag) may refuse the samples.
        #expect(found.filter { Self.limitTypes.contains($0.type) || $0.type == "missing" || $0.type == "extra_forbidden" } == [])
    }

    @Test(arguments: bodies) func everyDeclaredLimitIsTheEnforcedOne(_ body: Body) {
        for site in Self.sites(body.fields, body: Self.minimal(body.fields)) {
            switch site.field.kind {
            case .string(let minLength, let maxLength):
                expectWithinLimits(body, site, .string(String(repeating: "a", count: maxLength)))
                expectRefused(
                    body, site, .string(String(repeating: "a", count: maxLength + 1)),
                    msg: "String should have at most \(maxLength) characters", type: "string_too_long")
                // Code points, not grapheme clusters: "é" written as e + U+0301 is two.
                expectRefused(
                    body, site, .string(String(repeating: "a", count: maxLength - 1) + "e\u{301}"), type: "string_too_long")
                if minLength > 0 {
                    expectWithinLimits(body, site, .string(String(repeating: "a", count: minLength)))
                    expectRefused(
                        body, site, .string(String(repeating: "a", count: minLength - 1)),
                        msg: "String should have at least \(minLength) character\(minLength == 1 ? "" : "s")", type: "string_too_short")
                }
            case .integer(let minimum, let maximum):
                expectWithinLimits(body, site, .int(minimum))
                expectWithinLimits(body, site, .int(maximum))
                expectRefused(
                    body, site, .int(minimum - 1), msg: "Input should be greater than or equal to \(minimum)", type: "greater_than_equal")
                expectRefused(
                    body, site, .int(maximum + 1), msg: "Input should be less than or equal to \(maximum)", type: "less_than_equal")
            case .list(.fields(let inner), _, let maxItems?):
                let item = Self.minimal(inner)
                expectWithinLimits(body, site, .array(Array(repeating: item, count: maxItems)))
                expectRefused(
                    body, site, .array(Array(repeating: item, count: maxItems + 1)),
                    msg: "List should have at most \(maxItems) items after validation, not \(maxItems + 1)", type: "too_long")
            case .list(let item, let minItems, let maxItems):
                let count = maxItems ?? max(minItems, 3)
                expectWithinLimits(body, site, .array(Array(repeating: Self.sample(item), count: count)))
                if let maxItems {
                    expectRefused(body, site, .array(Array(repeating: Self.sample(item), count: maxItems + 1)), type: "list_type")
                }
                if minItems > 0 {
                    expectRefused(body, site, .array(Array(repeating: Self.sample(item), count: minItems - 1)), type: "list_type")
                }
                if case .string(_, let maxLength) = item {
                    expectWithinLimits(body, site, .array([.string(String(repeating: "a", count: maxLength))]))
                    expectRefused(body, site, .array([.string(String(repeating: "a", count: maxLength + 1))]), type: "list_type")
                }
            default:
                break
            }
            if site.field.required {
                expectRefused(body, site, .null, msg: "Field required", type: "missing")
            }
        }
    }

    @Test func everyJSONBodyOfTheContractIsADeclaredOne() {
        let schemas = Self.bodies.map(\.fields.schema)
        for operation in APIContract.operations {
            switch operation.body {
            case .json(let schema)?:
                #expect(schemas.contains(schema), "\(operation.method) \(operation.path)")
            case .jsonOrMultipart(let json, _)?:
                #expect(json.objectValue?["oneOf"]?.arrayValue?.first == QAInput.fields.schema, "\(operation.method) \(operation.path)")
            default:
                break
            }
        }
    }
}
