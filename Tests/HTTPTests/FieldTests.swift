import Foundation
import HTTP
import Testing

@Suite struct FieldTests {
    static let template = FieldSet([
        Field("name", .string(minLength: 1, maxLength: 100), required: true, "Unique"),
        Field("body", .string(maxLength: 2_000)),
    ])
    static let crm = FieldSet([Field("system", .string(maxLength: 10), required: true)])
    static let fields = FieldSet([
        Field("title", .string(minLength: 1, maxLength: 200), required: true, "What it is called"),
        Field("count", .integer(minimum: 1, maximum: 50)),
        Field("on", .boolean),
        Field("owner", .uuid),
        Field("at", .dateTime),
        Field("mode", .choice(["all", "linked"])),
        Field("metadata", .object(maxBytes: 64, maxKeys: 3)),
        Field("tags", .list(of: .string(minLength: 1, maxLength: 5), maxItems: 2)),
        Field("ids", .list(of: .uuid, minItems: 1, maxItems: 3)),
        Field("templates", .list(of: .fields(template), maxItems: 2)),
        Field("crm", .fields(crm), nullable: true),
    ])

    func errors(_ json: String, read: (inout FieldReader) -> Void) throws -> [FieldError] {
        guard case .object(let members) = try JSONValue.parse(Data(json.utf8)) else { return [] }
        var reader = FieldReader(members, location: [.key("body")])
        read(&reader)
        do {
            try reader.finish()
            return []
        } catch let error as ValidationError {
            return error.errors
        }
    }

    func readAll(_ reader: inout FieldReader) {
        let f = Self.fields.fields
        _ = reader.string(f[0])
        _ = reader.int(f[1])
        _ = reader.bool(f[2])
        _ = reader.uuid(f[3])
        _ = reader.timestamp(f[4])
        _ = reader.choice(f[5])
        _ = reader.object(f[6])
        _ = reader.strings(f[7])
        _ = reader.strings(f[8])
        _ = reader.objects(f[9]) { item in
            _ = item.string(Self.template.fields[0])
            return item.string(Self.template.fields[1])
        }
        _ = reader.nested(f[10]) { $0.string(Self.crm.fields[0]) }
    }

    @Test func schemaStatesTheDeclaredLimits() throws {
        let schema = Self.fields.schema(nullAsAbsent: false).objectValue ?? [:]
        #expect(schema["type"] == .string("object"))
        #expect(schema["additionalProperties"] == .bool(false))
        #expect(schema["required"] == .array([.string("title")]))
        let properties = schema["properties"]?.objectValue ?? [:]
        #expect(properties.keys.sorted() == Self.fields.fields.map(\.name).sorted())
        #expect(
            properties["title"]
                == .object([
                    "type": .string("string"), "minLength": .int(1), "maxLength": .int(200),
                    "description": .string("What it is called"),
                ]))
        #expect(properties["count"] == .object(["type": .string("integer"), "minimum": .int(1), "maximum": .int(50)]))
        #expect(properties["on"] == .object(["type": .string("boolean")]))
        #expect(properties["owner"] == .object(["type": .string("string"), "format": .string("uuid")]))
        #expect(properties["at"] == .object(["type": .string("string"), "format": .string("date-time")]))
        #expect(properties["mode"] == .object(["type": .string("string"), "enum": .array([.string("all"), .string("linked")])]))
        #expect(properties["metadata"] == .object(["type": .string("object"), "maxProperties": .int(3)]))
        #expect(
            properties["tags"]
                == .object([
                    "type": .string("array"), "maxItems": .int(2),
                    "items": .object(["type": .string("string"), "minLength": .int(1), "maxLength": .int(5)]),
                ]))
        #expect(properties["ids"]?.objectValue?["minItems"] == .int(1))
        #expect(properties["templates"]?.objectValue?["items"] == Self.template.schema)
        #expect(
            properties["crm"]?.objectValue?["oneOf"]
                == .array([
                    Self.crm.schema, .object(["type": .string("null")]),
                ]))
        #expect(Self.fields.partial.schema.objectValue?["required"] == nil)

        // `null` reads as leaving an optional field out, so the body's schema allows it there.
        let lenient = Self.fields.schema.objectValue?["properties"]?.objectValue ?? [:]
        #expect(lenient["title"] == properties["title"])
        #expect(lenient["crm"] == properties["crm"])
        #expect(lenient["count"] == .object(["oneOf": .array([properties["count"]!, .object(["type": .string("null")])])]))
        #expect(Self.fields.removing("crm").adding(Field("x", .boolean))["x"]?.kind == .boolean)
    }

    @Test func readingByDeclarationGivesTheSameErrorsAsByArguments() throws {
        let body = #"{"title": "", "count": 51, "owner": "nope", "mode": "some", "metadata": {"a": 1, "b": 2, "c": 3, "d": 4}}"#
        let declared = try errors(body, read: readAll)
        let byArguments = try errors(body) { reader in
            _ = reader.string("title", required: true, minLength: 1, maxLength: 200)
            _ = reader.int("count", range: 1...50)
            _ = reader.uuid("owner")
            _ = reader.object("metadata", maxBytes: 64, maxKeys: 3)
            for name in ["on", "at", "mode", "tags", "ids", "templates", "crm"] { _ = reader.value(name) }
            reader.fail("mode", "Input should be 'all' or 'linked'", type: "enum")
        }
        #expect(Set(declared.map(\.type)) == Set(byArguments.map(\.type)))
        #expect(declared.count == byArguments.count)
        for error in byArguments { #expect(declared.contains(error), "\(error)") }
    }

    @Test func missingRequiredAndUnknownFields() throws {
        #expect(
            try errors(#"{"extra": 1}"#, read: readAll) == [
                FieldError(loc: [.key("body"), .key("title")], msg: "Field required", type: "missing"),
                FieldError(loc: [.key("body"), .key("extra")], msg: "Extra inputs are not permitted", type: "extra_forbidden"),
            ])
        #expect(try errors(#"{"title": "x"}"#, read: readAll) == [])
        #expect(try errors(#"{"title": "x", "crm": null}"#, read: readAll) == [])
    }

    @Test func listsOfScalarsFailAsOneErrorSayingWhatTheyShouldBe() throws {
        let id = UUID().uuidString
        #expect(try errors(#"{"title": "x", "tags": ["a", "bcdef"], "ids": ["\#(id)"]}"#, read: readAll) == [])
        #expect(
            try errors(#"{"title": "x", "tags": ["a", "bcdefg"]}"#, read: readAll) == [
                FieldError(
                    loc: [.key("body"), .key("tags")], msg: "Input should be a list of at most 2 strings of 1 to 5 characters",
                    type: "list_type")
            ])
        #expect(
            try errors(#"{"title": "x", "ids": []}"#, read: readAll) == [
                FieldError(loc: [.key("body"), .key("ids")], msg: "Input should be a list of 1 to 3 ids", type: "list_type")
            ])
        let kinds = Field("kinds", .list(of: .choice(["file", "qa", "url"])))
        #expect(
            try errors(#"{"kinds": ["file", "pdf"]}"#) { _ = $0.strings(kinds) } == [
                FieldError(loc: [.key("body"), .key("kinds")], msg: "Input should be a list of 'file', 'qa' or 'url'", type: "list_type")
            ])
    }

    @Test func nestedAndListedObjectsReportWhereTheyFailed() throws {
        #expect(
            try errors(#"{"title": "x", "templates": [{"name": "a"}, {"body": "b"}], "crm": {"system": "s", "k": 1}}"#, read: readAll)
                == [
                    FieldError(loc: [.key("body"), .key("templates"), .index(1), .key("name")], msg: "Field required", type: "missing"),
                    FieldError(
                        loc: [.key("body"), .key("crm"), .key("k")], msg: "Extra inputs are not permitted", type: "extra_forbidden"),
                ])
        #expect(
            try errors(#"{"title": "x", "templates": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}"#, read: readAll) == [
                FieldError(
                    loc: [.key("body"), .key("templates")], msg: "List should have at most 2 items after validation, not 3",
                    type: "too_long")
            ])
    }

    @Test func timestampsAndChoices() throws {
        #expect(try errors(#"{"title": "x", "at": "2026-11-24T17:51:43Z", "mode": "linked"}"#, read: readAll) == [])
        #expect(
            try errors(#"{"title": "x", "at": "yesterday", "mode": 1}"#, read: readAll) == [
                FieldError(
                    loc: [.key("body"), .key("at")], msg: "Input should be a valid datetime in ISO 8601", type: "datetime_parsing"),
                FieldError(loc: [.key("body"), .key("mode")], msg: "Input should be a valid string", type: "string_type"),
            ])
    }
}
