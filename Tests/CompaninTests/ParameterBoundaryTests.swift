import Foundation
import HTTP
import Testing

@testable import Companin

/// Query parameters, headers and form parts are declared once, like body fields: the contract's
/// `parameters` and multipart schemas are derived from the declarations the routes read by.
@Suite struct ParameterDeclarationTests {
    /// The documented operation, as `/api/v1/openapi.json` serves it.
    static func parameters(_ operation: APIContract.Operation, in place: String) -> [String: [String: JSONValue]] {
        let described = APIContract.describe(operation).objectValue?["parameters"]?.arrayValue ?? []
        var result: [String: [String: JSONValue]] = [:]
        for case .object(let parameter) in described where parameter["in"] == .string(place) {
            if case .string(let name)? = parameter["name"] { result[name] = parameter["schema"]?.objectValue ?? [:] }
        }
        return result
    }

    @Test func everyQueryParameterStatesItsDeclaredLimits() {
        var checked = 0
        for operation in APIContract.operations {
            let documented = Self.parameters(operation, in: "query")
            #expect(documented.count == operation.query.count, "\(operation.method) \(operation.path): a parameter is listed twice")
            for field in operation.query {
                let schema = documented[field.name] ?? [:]
                let label = "\(operation.method) \(operation.path) ?\(field.name)"
                switch field.kind {
                case .string(let minLength, let maxLength):
                    #expect(schema["maxLength"] == .int(Int64(maxLength)), "\(label)")
                    #expect(schema["minLength"] == (minLength > 0 ? .int(Int64(minLength)) : nil), "\(label)")
                case .integer(let minimum, let maximum):
                    #expect(schema["minimum"] == .int(minimum) && schema["maximum"] == .int(maximum), "\(label)")
                case .number(let minimum?, _):
                    #expect(schema["minimum"] == .int(Int64(minimum)), "\(label)")
                case .choice(let values):
                    #expect(schema["enum"] == .array(values.map(JSONValue.string)), "\(label)")
                case .uuid, .dateTime, .boolean, .number:
                    #expect(schema["type"] != nil, "\(label)")
                default:
                    Issue.record("\(label): a query parameter cannot be \(field.kind)")
                }
                checked += 1
            }
        }
        #expect(checked >= 60)
    }

    @Test func theIdempotencyKeyIsReadAsDocumented() throws {
        let post = try #require(APIContract.operations.first { $0.method == .post && $0.path.hasSuffix("/messages") })
        let schema = try #require(Self.parameters(post, in: "header")["Idempotency-Key"])
        guard case .int(let minimum)? = schema["minLength"], case .int(let maximum)? = schema["maxLength"] else {
            Issue.record("the Idempotency-Key header states no lengths: \(schema)")
            return
        }
        func read(_ key: String) throws -> String? {
            try ConversationRoutes.idempotencyKey(Request(method: .post, path: "/", headers: ["Idempotency-Key": key]))
        }
        let refusal = ValidationError([
            FieldError(
                loc: [.key("header"), .key("Idempotency-Key")], msg: "Value error, \(minimum) to \(maximum) visible ASCII characters",
                type: "value_error")
        ])
        #expect(try read(String(repeating: "k", count: Int(maximum))) == String(repeating: "k", count: Int(maximum)))
        #expect(throws: refusal) { try read(String(repeating: "k", count: Int(maximum) + 1)) }
        #expect(throws: refusal) { try read(String(repeating: "k", count: Int(minimum) - 1)) }
        #expect(throws: refusal) { try read("two words") }
        #expect(try ConversationRoutes.idempotencyKey(Request(method: .post, path: "/")) == nil)
    }

    @Test func uploadFormsListTheDeclaredParts() throws {
        func form(_ method: HTTPMethod, _ path: String) -> [String: JSONValue] {
            switch APIContract.operations.first(where: { $0.method == method && $0.path == path })?.body {
            case .multipart(let form)?, .jsonOrMultipart(_, let form)?: form.objectValue ?? [:]
            default: [:]
            }
        }
        let upload = form(.post, "/api/v1/knowledge/files/")
        #expect(upload["properties"]?.objectValue?.keys.sorted() == FileRoutes.form.fields.map(\.name).sorted())
        #expect(upload["required"] == .array([.string("file")]))
        // The upload refuses parts it does not declare; the CSV import ignores them.
        #expect(upload["additionalProperties"] == .bool(false))
        let title = upload["properties"]?.objectValue?["title"]?.objectValue
        let lengths = try #require(FileRoutes.Form.title.kind.lengths)
        #expect(title?["minLength"] == .int(Int64(lengths.lowerBound)) && title?["maxLength"] == .int(Int64(lengths.upperBound)))

        let csv = form(.post, "/api/v1/knowledge/qas/")
        #expect(csv["properties"]?.objectValue?.keys.sorted() == [QARoutes.csvFile.name])
        #expect(csv["required"] == .array([.string("file")]) && csv["additionalProperties"] == nil)
    }
}

/// Every limit the contract states for a query parameter, a header or a form part, sent through the
/// route in process at the limit and one past it: the reader refuses exactly what the document says.
@Suite("Documented parameter limits are the enforced ones", .enabled(if: TestApp.isAvailable))
struct ParameterBoundaryTests {
    let app: TestApp
    /// Ids for the path parameters of the routes that look their resource up before reading the query.
    let ids: [String: String]

    init() throws {
        app = try TestApp()
        let assistant = try #require(app.send(.post, "/api/v1/assistants/", json: #"{"name": "Limits"}"#)["id"]?.stringValue)
        let session = try #require(
            app.send(.post, "/api/v1/sessions/", json: #"{"assistant_id": "\#(assistant)"}"#)["id"]?.stringValue)
        let conversation = try #require(
            app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant)", "session_id": "\#(session)"}"#)["id"]?
                .stringValue)
        ids = ["assistant_id": assistant, "session_id": session, "conversation_id": conversation]
    }

    /// The operation's path with known ids (random ones elsewhere), `1` for a version, `x` for a name.
    func concrete(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.hasPrefix(":") else { return String(segment) }
            let name = String(segment.dropFirst())
            return ids[name] ?? (name == "version" ? "1" : name == "name" ? "x" : UUID().uuidString.lowercased())
        }.joined(separator: "/")
    }

    /// The errors the response lists at `loc` (none unless it is a `422`).
    static func errors(_ response: TestResponse, at loc: [String]) -> [[String: JSONValue]] {
        guard response.status == 422 else { return [] }
        return (response["detail"]?.arrayValue ?? []).compactMap(\.objectValue)
            .filter { $0["loc"] == .array(loc.map(JSONValue.string)) }
    }

    /// Values the schema accepts, and values it refuses with the error type expected (`nil`: any type).
    /// An empty value is no value of a typed parameter (nor of a string with a minimum length): it is
    /// refused, not read as if the parameter were absent.
    static func probes(_ schema: [String: JSONValue]) -> (accepted: [String], refused: [(String, String?)])? {
        guard var probes = typedProbes(schema) else { return nil }
        if schema["type"] != .string("string") || schema["format"] != nil || schema["enum"] != nil || schema["minLength"] != nil {
            probes.refused.append(("", nil))
        }
        return probes
    }

    static func typedProbes(_ schema: [String: JSONValue]) -> (accepted: [String], refused: [(String, String?)])? {
        let recent = Timestamp.format(Date.now.addingTimeInterval(-3_600))
        switch (schema["type"], schema["format"], schema["enum"]) {
        case (.string("integer")?, _, _):
            guard case .int(let minimum)? = schema["minimum"], case .int(let maximum)? = schema["maximum"] else { return nil }
            return (["\(minimum)", "\(maximum)"], [("\(minimum - 1)", nil), ("\(maximum + 1)", nil)])
        case (.string("number")?, _, _):
            guard case .int(let minimum)? = schema["minimum"] else { return nil }
            return (["\(minimum)", "\(minimum).5"], [("\(minimum - 1)", nil), ("x", nil)])
        case (.string("boolean")?, _, _):
            return (["true", "false"], [("maybe", "bool_parsing")])
        case (.string("string")?, .string("uuid")?, _):
            return ([UUID().uuidString.lowercased()], [("nope", "uuid_parsing")])
        case (.string("string")?, .string("date-time")?, _):
            return ([recent], [("yesterday", "datetime_parsing")])
        case (.string("string")?, _, .array(let values)?):
            return (values.compactMap(\.stringValue), [("nope", "enum")])
        case (.string("string")?, nil, nil):
            guard case .int(let maxLength)? = schema["maxLength"] else { return nil }
            var refused: [(String, String?)] = [(String(repeating: "a", count: Int(maxLength) + 1), "string_too_long")]
            if case .int(let minLength)? = schema["minLength"], minLength > 1 {
                refused.append((String(repeating: "a", count: Int(minLength) - 1), "string_too_short"))
            }
            return ([String(repeating: "a", count: Int(maxLength))], refused)
        default:
            return nil
        }
    }

    @Test func everyDocumentedQueryLimitIsEnforced() throws {
        var probed = 0
        for operation in APIContract.operations {
            let path = concrete(operation.path)
            for (name, schema) in ParameterDeclarationTests.parameters(operation, in: "query").sorted(by: { $0.key < $1.key }) {
                let label = "\(operation.method) \(operation.path) ?\(name)"
                guard let probes = Self.probes(schema) else {
                    Issue.record("\(label): no limits to probe in \(schema)")
                    continue
                }
                for value in probes.accepted {
                    let response = app.send(operation.method, path, query: "\(name)=\(value)")
                    // Only checks of content may refuse it (`after` names no message of the conversation).
                    let found = Self.errors(response, at: ["query", name]).filter { $0["type"] != .string("value_error") }
                    #expect(found == [], "\(label)=\(value): \(response.json)")
                }
                for (value, type) in probes.refused {
                    let response = app.send(operation.method, path, query: "\(name)=\(value)")
                    let found = Self.errors(response, at: ["query", name])
                    #expect(
                        !found.isEmpty && (type == nil || found.allSatisfy { $0["type"] == .string(type!) }),
                        "\(label)=\(value.prefix(20))…: \(response.status) \(response.json)")
                }
                probed += 1
            }
        }
        #expect(probed >= 60)
    }

    @Test func documentedHeaderLimitsAreEnforced() throws {
        var probed = 0
        for operation in APIContract.operations {
            for (name, schema) in ParameterDeclarationTests.parameters(operation, in: "header") {
                guard case .int(let maximum)? = schema["maxLength"] else { continue }
                var minimum: Int64 = 0
                if case .int(let value)? = schema["minLength"] { minimum = value }
                let path = concrete(operation.path)
                let body = #"{"role": "user", "content": "Olá"}"#
                let atLimit = app.send(operation.method, path, json: body, headers: [name: String(repeating: "k", count: Int(maximum))])
                #expect(Self.errors(atLimit, at: ["header", name]) == [], "\(name): \(atLimit.json)")
                #expect(atLimit.status == 201, "\(operation.method) \(operation.path) with \(name): \(atLimit.json)")
                for count in [Int(maximum) + 1] + (minimum > 0 ? [Int(minimum) - 1] : []) {
                    let response = app.send(operation.method, path, json: body, headers: [name: String(repeating: "k", count: count)])
                    #expect(Self.errors(response, at: ["header", name]).count == 1, "\(name) of \(count): \(response.json)")
                }
                probed += 1
            }
        }
        #expect(probed == 1)
    }

    /// A `multipart/form-data` body of these parts.
    func upload(_ operation: APIContract.Operation, _ parts: [(name: String, value: String)]) -> TestResponse {
        let boundary = "limits-\(UUID().uuidString)"
        var body = ""
        for (name, value) in parts {
            let filename = name == "file" ? "; filename=\"pairs.csv\"" : ""
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(filename)\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return app.send(
            operation.method, concrete(operation.path), body: Data(body.utf8),
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
    }

    @Test func documentedFormLimitsAreEnforced() throws {
        var probed = 0
        for operation in APIContract.operations {
            let described = APIContract.describe(operation).objectValue?["requestBody"]?.objectValue?["content"]?.objectValue
            guard let form = described?["multipart/form-data"]?.objectValue?["schema"]?.objectValue,
                let properties = form["properties"]?.objectValue
            else { continue }
            let label = "\(operation.method) \(operation.path)"
            let required = Set((form["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            // Every required part, the file a small CSV of its own (the same bytes twice would be one file).
            var minimal: [(name: String, value: String)] {
                required.sorted().map { (name: $0, value: "question,answer\nQual o prazo \(UUID())?,Cinco dias.") }
            }
            let accepted = upload(operation, minimal)
            #expect(accepted.status == 202, "\(label): \(accepted.json)")
            for name in required {
                // A form of no part at all is malformed (400): another part stands in.
                let response = upload(operation, minimal.filter { $0.name != name } + [(name: "colour", value: "blue")])
                #expect(Self.errors(response, at: ["body", name]).map { $0["type"] } == [.string("missing")], "\(label): \(response.json)")
            }
            let extra = upload(operation, minimal + [(name: "colour", value: "blue")])
            let refusesExtra = form["additionalProperties"] == .bool(false)
            #expect(Self.errors(extra, at: ["body", "colour"]).isEmpty != refusesExtra, "\(label): \(extra.json)")
            for (name, schema) in properties {
                guard case .int(let maximum)? = schema.objectValue?["maxLength"] else { continue }
                let atLimit = upload(operation, minimal + [(name: name, value: String(repeating: "a", count: Int(maximum)))])
                #expect(atLimit.status == 202, "\(label) \(name): \(atLimit.json)")
                let over = upload(operation, minimal + [(name: name, value: String(repeating: "a", count: Int(maximum) + 1))])
                #expect(Self.errors(over, at: ["body", name]).count == 1, "\(label) \(name): \(over.json)")
                if case .int(let minimum)? = schema.objectValue?["minLength"], minimum > 0 {
                    let under = upload(operation, minimal + [(name: name, value: String(repeating: " ", count: Int(minimum)))])
                    #expect(Self.errors(under, at: ["body", name]).count == 1, "\(label) \(name): \(under.json)")
                }
                probed += 1
            }
        }
        #expect(probed == 1)
    }
}
