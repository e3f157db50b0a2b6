import Foundation
import HTTP
import Testing

@testable import Companin
@testable import MariaDB

/// Assistants are read from rows and written as JSON by hand (`RowDecodable`, `JSONWritable`);
/// their `Codable` conformances are the reference. Both paths must give the same assistants and the
/// same bytes, for content that tests escaping, Unicode, empty and nested values.
@Suite("Assistants by hand and through Codable", .enabled(if: TestApp.isAvailable))
struct AssistantCodingTests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    /// Writes through the `Encodable` conformance even for a `JSONWritable` value.
    struct ThroughCodable<Value: Encodable & Sendable>: Encodable, Sendable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    @Test func handWrittenAndCodableAgree() throws {
        let bodies = [
            #"{"name": "Atendimento \"VIP\" \\ café ☕️ 👩🏽‍💻", "description": "Linha 1\nLinha 2\t\u0001", "tone": "cordial", "language": "pt-br"}"#,
            #"{"name": "Plain", "task_templates": [{"name": "greet", "template": "Olá {{nome}}"}, {"name": "bye", "template": "Até \"logo\""}], "metadata": {"z": [1, 2.5, true, null, {"b": "x", "a": -3}], "a": "primeiro", "ção": {}}}"#,
            #"{"name": "Empty things", "description": "", "task_templates": [], "metadata": {}}"#,
        ]
        for body in bodies {
            let created = app.send(.post, "/api/v1/assistants/", json: body)
            #expect(created.status == 201, "\(created.json)")
        }
        let rows = try app.db.rows("SELECT \(Assistant.selection()) FROM assistants WHERE \(app.db.condition) ORDER BY created_at, id")
        #expect(rows.count == bodies.count)
        var assistants: [Assistant] = []
        for row in rows {
            let byHand = try row.decode(as: Assistant.self)
            let throughCodable = try row.decodeThroughCodable(as: Assistant.self)
            #expect(byHand == throughCodable)
            let written = try OrderedJSONEncoder().encode(byHand)
            #expect(
                String(decoding: written, as: UTF8.self)
                    == String(decoding: try OrderedJSONEncoder().encode(ThroughCodable(value: byHand)), as: UTF8.self))
            assistants.append(byHand)
        }
        let page = Page(items: assistants, count: 3)
        let listed = String(decoding: try OrderedJSONEncoder().encode(page), as: UTF8.self)
        let reference = String(
            decoding: try OrderedJSONEncoder().encode(Page(items: assistants.map { ThroughCodable(value: $0) }, count: 3)), as: UTF8.self)
        #expect(listed == reference)
        #expect(listed.hasPrefix(#"{"items":[{"id":""#) && listed.hasSuffix(#"],"count":3}"#))
    }

    @Test func aJSONColumnOfTheWrongShapeIsADecodingErrorBothWays() throws {
        #expect(app.send(.post, "/api/v1/assistants/", json: #"{"name": "Shape"}"#).status == 201)
        // What the table's CHECK constraints let through that is still no list of task templates.
        for value in [#"[{"name": 1, "template": "t"}]"#, #"["greet"]"#, #"[{"name": "only a name"}]"#] {
            try app.db.execute("UPDATE assistants SET task_templates = \(value) WHERE \(app.db.condition)")
            let row = try #require(try app.db.rows("SELECT \(Assistant.selection()) FROM assistants WHERE \(app.db.condition)").first)
            #expect(throws: DatabaseError.self) { try row.decode(as: Assistant.self) }
            #expect(throws: DatabaseError.self) { try row.decodeThroughCodable(as: Assistant.self) }
        }
    }
}
