import CSV
import Foundation
import HTTP
import Ingestion

/// `/api/v1/knowledge/qas/…`: Q&A pairs, one at a time or in bulk (a JSON array, or a CSV upload
/// with `question,answer` columns), all-or-nothing with per-row `422` details. Every pair is
/// queued for the ingest workers like a file (`202`), and is searchable once `ready`.
enum QARoutes {
    static let maximumBulk = 1_000

    /// `?tag=`: pairs carrying this tag; as long as a tag may be.
    static let tag = Field("tag", .string(maxLength: QAInput.maximumTagLength))

    /// The one part of a CSV import; other parts are ignored.
    static let csvFile = Field("file", .file, required: true)

    static func register(on router: inout Router<AppContext>, enricher: any Enricher) {
        router.post("/api/v1/knowledge/qas/") { request, context in
            let store = try store(context)
            let gaps = GapStore(db: store.db, enricher: enricher)
            if request.mediaType == "multipart/form-data" {
                let inputs = try csvInputs(request)
                return try Response.json(bulk(inputs, store, gaps, by: context.principal?.keyID), status: .accepted)
            }
            switch try request.jsonBody() {
            case .array(let items):
                guard !items.isEmpty, items.count <= maximumBulk else {
                    throw ValidationError([
                        FieldError(loc: [.key("body")], msg: "List should have 1 to \(maximumBulk) items", type: "too_long")
                    ])
                }
                var errors: [FieldError] = []
                var inputs: [QAInput] = []
                for (index, item) in items.enumerated() {
                    guard case .object(let members) = item else {
                        errors.append(
                            FieldError(loc: [.key("body"), .index(index)], msg: "Input should be a valid dictionary", type: "dict_type"))
                        continue
                    }
                    do {
                        inputs.append(try QAInput(FieldReader(members, location: [.key("body"), .index(index)]), partial: false))
                    } catch let error as ValidationError {
                        errors += error.errors
                    }
                }
                if !errors.isEmpty { throw ValidationError(errors) }
                return try Response.json(bulk(inputs, store, gaps, by: context.principal?.keyID), status: .accepted)
            case .object(let members):
                let input = try QAInput(FieldReader(members, location: [.key("body")]), partial: false)
                var source = input.newSource()
                if let gapID = input.gapID {
                    source = try gaps.answer(
                        gapID, with: source, assistantIDs: nil, by: context.principal?.keyID, field: [.key("body"), .key("gap_id")])
                } else {
                    try store.insert(source, queue: true)
                }
                return try Response.json(QAView(source: source), status: .accepted)
            default:
                throw ValidationError([
                    FieldError(loc: [.key("body")], msg: "Input should be a valid dictionary or list", type: "dict_type")
                ])
            }
        }
        router.get("/api/v1/knowledge/qas/") { request, context in
            var query = QueryReader(request)
            let status = query.choice(FileRoutes.status, KnowledgeSource.Status.self)
            let tag = query.string(Self.tag)
            let page = query.pagination()
            try query.finish()
            let found = try store(context).list(kind: .qa, status: status, tag: tag, page)
            return try Response.json(Page(items: found.items.map(QAView.init), count: found.count))
        }
        router.get("/api/v1/knowledge/qas/:qa_id") { _, context in
            try Response.json(QAView(source: try qa(context)))
        }
        router.patch("/api/v1/knowledge/qas/:qa_id") { request, context in
            let store = try store(context)
            var source = try qa(context)
            let input = try QAInput(try request.jsonObjectBody(), partial: true)
            let contentChanged =
                (input.question.map { $0 != source.question } ?? false) || (input.answer.map { $0 != source.answer } ?? false)
            input.apply(to: &source)
            try store.updateQA(source, requeue: contentChanged)
            return try Response.json(QAView(source: try qa(context)), status: contentChanged ? .accepted : .ok)
        }
        router.delete("/api/v1/knowledge/qas/:qa_id") { request, context in
            guard try context.deleteSource(request, "qa_id", kind: .qa) != nil else { throw HTTPError.notFound }
            return .noContent
        }
    }

    /// All pairs or none; a pair naming a gap answers it.
    private static func bulk(_ inputs: [QAInput], _ store: KnowledgeStore, _ gaps: GapStore, by apiKeyID: UUID?) throws -> Page<QAView> {
        let sources = try store.db.transaction {
            try inputs.enumerated().map { index, input in
                let source = input.newSource()
                if let gapID = input.gapID {
                    return try gaps.answer(
                        gapID, with: source, assistantIDs: nil, by: apiKeyID, field: [.key("body"), .index(index), .key("gap_id")])
                }
                try store.insert(source, queue: true)
                return source
            }
        }
        return Page(items: sources.map(QAView.init), count: sources.count)
    }

    /// `?tag=` of the Q&A list.
    /// Rows of an uploaded CSV with `question` and `answer` columns (and optional `tags`, `;`-separated).
    static func csvInputs(_ request: Request) throws -> [QAInput] {
        let parts = try request.formParts()
        let loc: [FieldError.Location] = [.key("body"), .key(csvFile.name)]
        guard let file = parts.first(where: { $0.name == csvFile.name }) else {
            throw ValidationError([FieldError(loc: loc, msg: "Field required", type: "missing")])
        }
        guard let text = String(validating: file.body, as: UTF8.self) else {
            throw ValidationError([FieldError(loc: loc, msg: "The CSV must be UTF-8 text", type: "value_error")])
        }
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: true)
        } catch {
            throw ValidationError([FieldError(loc: loc, msg: "Not a readable CSV file", type: "value_error")])
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let questionColumn = header.firstIndex(of: "question"), let answerColumn = header.firstIndex(of: "answer") else {
            throw ValidationError([
                FieldError(
                    loc: [.key("body"), .key("file")],
                    msg: "The CSV needs a header with question and answer columns", type: "value_error")
            ])
        }
        let tagsColumn = header.firstIndex(of: "tags")
        var inputs: [QAInput] = []
        var errors: [FieldError] = []
        var line = 1
        while let row = reader.next() {
            line += 1
            var members: [String: JSONValue] = [
                "question": .string(row.count > questionColumn ? row[questionColumn] : ""),
                "answer": .string(row.count > answerColumn ? row[answerColumn] : ""),
            ]
            if let tagsColumn, row.count > tagsColumn, !row[tagsColumn].isEmpty {
                members["tags"] = .array(row[tagsColumn].split(separator: ";").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            }
            do {
                inputs.append(try QAInput(FieldReader(members, location: [.key("body"), .key("file"), .index(line)]), partial: false))
            } catch let error as ValidationError {
                errors += error.errors
            }
            if inputs.count + errors.count > maximumBulk { break }
        }
        if reader.error != nil {
            errors.append(FieldError(loc: [.key("body"), .key("file")], msg: "Malformed CSV near row \(line)", type: "value_error"))
        }
        if !errors.isEmpty { throw ValidationError(errors) }
        guard !inputs.isEmpty, inputs.count <= maximumBulk else {
            throw ValidationError([
                FieldError(loc: [.key("body"), .key("file")], msg: "The CSV should have 1 to \(maximumBulk) rows", type: "too_long")
            ])
        }
        return inputs
    }

    private static func store(_ context: AppContext) throws -> KnowledgeStore {
        KnowledgeStore(db: try context.organizationDatabase())
    }

    private static func qa(_ context: AppContext) throws -> KnowledgeSource {
        guard let source = try store(context).find(try context.resourceID("qa_id"), kind: .qa) else { throw HTTPError.notFound }
        return source
    }
}

/// A Q&A pair's fields, validated.
struct QAInput {
    var question: String?
    var answer: String?
    var tags: [String]?
    var metadata: [String: JSONValue]?
    /// The knowledge gap the new pair answers (`/analytics/gaps/`), marked answered with it.
    var gapID: UUID?

    init(_ reader: FieldReader, partial: Bool) throws {
        var reader = reader
        question = reader.string(Fields.question.required(!partial))
        answer = reader.string(Fields.answer.required(!partial))
        tags = reader.strings(Fields.tags)
        metadata = reader.object(Fields.metadata)
        if !partial { gapID = reader.uuid(Fields.gapID) }
        try reader.finish()
    }

    func newSource() -> KnowledgeSource {
        let now = Date.now.truncatedToMicroseconds
        let question = question ?? ""
        var source = KnowledgeSource.pending(kind: .qa, title: question.prefix(codePoints: 300), metadata: metadata ?? [:], at: now)
        source.question = question
        source.answer = answer
        source.tags = tags ?? []
        return source
    }

    func apply(to source: inout KnowledgeSource) {
        if let question {
            source.question = question
            source.title = question.prefix(codePoints: 300)
        }
        if let answer { source.answer = answer }
        if let tags { source.tags = tags }
        if let metadata { source.metadata = metadata }
    }
}
