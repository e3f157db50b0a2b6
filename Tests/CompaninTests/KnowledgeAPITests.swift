import Foundation
import HTTP
import Ingestion
import Testing

@testable import Companin

/// Per-endpoint behaviour of the knowledge API, in process: Q&A pairs (one, a list, a CSV), text and
/// JSON uploads up to their queueing, search over the hashed model, and assistants' links. Pairs are
/// ingested in process (`TestApp.ingestPendingPairs`); extraction of files is the workers' and is
/// tested end to end.
@Suite("Knowledge API in process", .enabled(if: TestApp.isAvailable))
struct KnowledgeAPITests {
    let app: TestApp

    init() throws {
        app = try TestApp()
    }

    private func pair(_ question: String, _ answer: String, tags: [String] = []) -> TestResponse {
        let body = JSONValue.object(["question": .string(question), "answer": .string(answer), "tags": .array(tags.map(JSONValue.string))])
        return app.send(.post, "/api/v1/knowledge/qas/", json: body.serialized)
    }

    private func search(_ body: String) -> [String] {
        app.send(.post, "/api/v1/knowledge/search", json: body).items.compactMap { $0["source_id"]?.stringValue }
    }

    @Test func aURLsNameIsNotResolvedByTheResponderAndAnInternalOneFailsLikeAMissingOne() throws {
        // localhost resolves to loopback, which the fetch refuses; the create neither resolves it
        // nor says so: a 202, like any name. A literal forbidden address is still refused at once.
        let named = app.send(.post, "/api/v1/knowledge/urls/", json: #"{"url": "http://localhost:8080/internal"}"#)
        #expect(named.status == 202)
        let literal = app.send(.post, "/api/v1/knowledge/urls/", json: #"{"url": "http://127.0.0.2/"}"#)
        #expect(literal.status == 422)
        #expect(literal["detail"] == "URL resolves to a forbidden address")

        // A long name no longer fails at a resolver: it is stored, its title the URL cut to 300.
        let long = "https://" + (0..<20).map { _ in String(repeating: "a", count: 60) }.joined(separator: ".") + "/x"
        let stored = app.send(.post, "/api/v1/knowledge/urls/", json: #"{"url": "\#(long)"}"#)
        #expect(stored.status == 202)
        #expect(stored["title"]?.stringValue == String(long.prefix(300)))
        // An IDN host grows when normalized to punycode: past what the column holds it is a 422.
        let idn = "https://" + (0..<30).map { _ in String(repeating: "é", count: 60) }.joined(separator: ".") + "/"
        #expect(idn.count <= 2_048)
        let grown = app.send(.post, "/api/v1/knowledge/urls/", json: #"{"url": "\#(idn)"}"#)
        #expect(grown.status == 422)
        #expect(grown.locations == [["body", "url"]])

        let url = "http://intranet.example/"
        let missing = SourceProcessor.unreachableName(
            FetchError(code: "dns", message: "Could not resolve host: intranet.example"), url: url)
        let inside = SourceProcessor.unreachableName(
            FetchError(code: "forbidden_address", message: "URL resolves to a forbidden address"), url: url)
        #expect(missing != nil && missing?.code == inside?.code && missing?.message == inside?.message)
        #expect(missing?.code == "unreachable_host")
        #expect(SourceProcessor.unreachableName(FetchError(code: "forbidden_address", message: ""), url: "http://10.0.0.1/") == nil)
        #expect(SourceProcessor.unreachableName(FetchError(code: "forbidden_address", message: ""), url: "http://[fd00::1]/") == nil)
        #expect(SourceProcessor.unreachableName(FetchError(code: "timeout", message: ""), url: url) == nil)
    }

    @Test func aPairIsQueuedReadChangedAndDeleted() throws {
        let created = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"{"question": "Qual é o prazo de reembolso?", "answer": "Até catorze dias.", "tags": ["billing"], "metadata": {"n": 1}}"#
        )
        #expect(created.status == 202)
        #expect(created["kind"] == "qa")
        #expect(created["question"] == "Qual é o prazo de reembolso?" && created["answer"] == "Até catorze dias.")
        #expect(created["tags"] == ["billing"] && created["metadata"] == ["n": 1])
        #expect(created["status"] == "pending" && created["error"] == .null && created["chunk_count"] == 0)
        #expect(created["queued_at"]?.stringValue != nil && created["ready_at"] == .null)
        let path = "/api/v1/knowledge/qas/\(created.id)"
        #expect(app.send(.get, path).json == created.json)

        try app.ingestPendingPairs()
        let ready = app.send(.get, path)
        #expect(ready["status"] == "ready" && ready["chunk_count"] == 1 && ready["summary"] == "Até catorze dias.")
        #expect(ready["ready_at"]?.stringValue != nil)

        // Tags alone change nothing to ingest; a new answer is ingested again.
        let tagged = app.send(.patch, path, json: #"{"tags": ["billing", "refunds"]}"#)
        #expect(tagged.status == 200 && tagged["tags"] == ["billing", "refunds"] && tagged["status"] == "ready")
        let answered = app.send(.patch, path, json: #"{"answer": "Até dez dias úteis."}"#)
        #expect(answered.status == 202 && answered["answer"] == "Até dez dias úteis." && answered["status"] == "pending")
        #expect(answered["question"] == "Qual é o prazo de reembolso?")

        let invalid = app.send(.patch, path, json: #"{"question": 1, "answer": ""}"#)
        #expect(invalid.status == 422 && invalid.locations == [["body", "question"], ["body", "answer"]])
        #expect(app.send(.get, path)["answer"] == "Até dez dias úteis.")

        #expect(app.send(.delete, path).status == 204)
        #expect(app.send(.get, path).status == 404)
        #expect(app.send(.delete, path).status == 404)
    }

    @Test func invalidPairsAreOne422ListingEveryProblemAndWriteNothing() {
        let single = app.send(.post, "/api/v1/knowledge/qas/", json: #"{"question": "", "tags": [""], "colour": 1}"#)
        #expect(single.status == 422)
        #expect(
            single.locations == [
                ["body", "question"], ["body", "answer"], ["body", "tags"], ["body", "colour"],
            ])
        let bulk = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"[{"question": "Horário?", "answer": "Das 9h às 18h."}, {"question": "", "answer": "x"}, {"answer": "y"}, 3]"#)
        #expect(bulk.status == 422)
        #expect(bulk.locations == [["body", 1, "question"], ["body", 2, "question"], ["body", 3]])
        #expect(app.send(.post, "/api/v1/knowledge/qas/", json: "[]").locations == [["body"]])
        #expect(app.send(.get, "/api/v1/knowledge/qas/")["count"] == 0)

        let good = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"[{"question": "Opening hours?", "answer": "At nine."}, {"question": "Abroad?", "answer": "To the EU."}]"#)
        #expect(good.status == 202 && good["count"] == 2)
        #expect(good.items.map { $0["question"] } == ["Opening hours?", "Abroad?"])
        #expect(app.send(.get, "/api/v1/knowledge/qas/")["count"] == 2)
    }

    @Test func aCSVOfPortuguesePairsMustBeUTF8AndEachBadRowIsNamedByItsLine() {
        let text = "question,answer,tags\nOnde fica a loja?,\"Rua Augusta, 1\",loja; endereço\nQual é o horário?,Das 9h às 18h,\n"
        let latin1 = app.upload("/api/v1/knowledge/qas/", filename: "qas.csv", Array(text.data(using: .isoLatin1)!))
        #expect(latin1.status == 422 && latin1.locations == [["body", "file"]])
        #expect(latin1["detail"]?.arrayValue?.first?["msg"] == "The CSV must be UTF-8 text")

        let bad = app.upload("/api/v1/knowledge/qas/", filename: "qas.csv", Array("question,answer\nOk?,Sim\n,sem pergunta\nE?,\n".utf8))
        #expect(bad.status == 422 && bad.locations == [["body", "file", 3, "question"], ["body", "file", 4, "answer"]])
        let noHeader = app.upload("/api/v1/knowledge/qas/", filename: "qas.csv", Array("pergunta,resposta\nA?,B\n".utf8))
        #expect(noHeader.status == 422 && noHeader.locations == [["body", "file"]])
        #expect(app.send(.get, "/api/v1/knowledge/qas/")["count"] == 0)

        let utf8 = app.upload("/api/v1/knowledge/qas/", filename: "qas.csv", Array(text.utf8))
        #expect(utf8.status == 202 && utf8["count"] == 2)
        #expect(utf8.items.map { $0["question"] } == ["Onde fica a loja?", "Qual é o horário?"])
        #expect(utf8.items.map { $0["answer"] } == ["Rua Augusta, 1", "Das 9h às 18h"])
        #expect(utf8.items.map { $0["tags"] } == [["loja", "endereço"], []])
        let tagged = app.send(.get, "/api/v1/knowledge/qas/", query: "tag=endere%C3%A7o")
        #expect(tagged["count"] == 1 && tagged.items.first?["question"] == "Onde fica a loja?")
    }

    @Test func pairListsArePagesFilteredByTagAndStatus() throws {
        let first = pair("Primeira?", "Um.", tags: ["a"])
        try app.ingestPendingPairs()
        let second = pair("Segunda?", "Dois.", tags: ["a", "b"])
        let third = pair("Terceira?", "Três.")
        let all = app.send(.get, "/api/v1/knowledge/qas/")
        #expect(all["count"] == 3 && Set(all.items.map { $0["id"] }) == [first["id"], second["id"], third["id"]])
        let page = app.send(.get, "/api/v1/knowledge/qas/", query: "limit=2&offset=1")
        #expect(page["count"] == 3 && page.items == Array(all.items[1...]))
        #expect(app.send(.get, "/api/v1/knowledge/qas/", query: "offset=3")["items"] == [])
        #expect(app.send(.get, "/api/v1/knowledge/qas/", query: "tag=a").items.count == 2)
        #expect(app.send(.get, "/api/v1/knowledge/qas/", query: "tag=b").items.map { $0["id"] } == [second["id"]])
        #expect(app.send(.get, "/api/v1/knowledge/qas/", query: "status=ready").items.map { $0["id"] } == [first["id"]])
        #expect(app.send(.get, "/api/v1/knowledge/qas/", query: "status=pending&tag=a").items.map { $0["id"] } == [second["id"]])

        let badPage = app.send(.get, "/api/v1/knowledge/qas/", query: "limit=0&offset=-1")
        #expect(badPage.status == 422 && badPage.locations == [["query", "limit"], ["query", "offset"]])
        let badStatus = app.send(.get, "/api/v1/knowledge/qas/", query: "status=done")
        #expect(badStatus.status == 422 && badStatus.locations == [["query", "status"]])
    }

    @Test func textAndJSONUploadsAreQueuedOnceAndKeptAsSent() {
        let bytes = Array("Política de trocas: 30 dias.\n".utf8)
        let text = app.upload("/api/v1/knowledge/files/", filename: "trocas.txt", bytes, fields: ["metadata": #"{"team": "loja"}"#])
        #expect(text.status == 202)
        #expect(text.header("Location") == "/api/v1/knowledge/files/\(text.id)")
        #expect(text["kind"] == "file" && text["status"] == "pending" && text["content_kind"] == "text")
        #expect(text["title"] == "trocas.txt" && text["filename"] == "trocas.txt" && text["size_bytes"] == .int(Int64(bytes.count)))
        #expect(text["metadata"] == ["team": "loja"] && text["attributes"] == ["title_from": "filename"])
        #expect(text["sha256"]?.stringValue?.count == 64)
        let content = app.send(.get, "/api/v1/knowledge/files/\(text.id)/content")
        #expect(content.status == 200 && Array(content.response.body) == bytes)
        #expect(content.header("Content-Disposition") == "attachment; filename=\"trocas.txt\"")

        let again = app.upload("/api/v1/knowledge/files/", filename: "copia.txt", bytes)
        #expect(again.status == 200 && again.json == app.send(.get, "/api/v1/knowledge/files/\(text.id)").json)

        let json = app.upload(
            "/api/v1/knowledge/files/", filename: "cliente", Array(#"{"nome": "Ana"}"#.utf8), fields: ["title": "Cliente"])
        #expect(json.status == 202 && json["content_kind"] == "json" && json["title"] == "Cliente")
        #expect(json["attributes"] == ["title_from": "client"])
        let pending = app.send(.get, "/api/v1/knowledge/files/", query: "status=pending&limit=1")
        #expect(pending["count"] == 2 && pending.items.count == 1)
        #expect(app.send(.get, "/api/v1/knowledge/files/", query: "status=ready")["count"] == 0)

        #expect(app.send(.delete, "/api/v1/knowledge/files/\(text.id)").status == 204)
        #expect(app.send(.get, "/api/v1/knowledge/files/\(text.id)/content").status == 404)
        #expect(app.send(.get, "/api/v1/knowledge/files/")["count"] == 1)
    }

    @Test func invalidUploadsAreOne422ListingEveryProblemAndStoreNothing() {
        let empty = app.upload(
            "/api/v1/knowledge/files/", filename: "vazio.txt", [], fields: ["title": " ", "metadata": "[1]", "colour": "blue"])
        #expect(empty.status == 422)
        #expect(empty.locations == [["body", "colour"], ["body", "title"], ["body", "metadata"], ["body", "file"]])
        // Titles are counted in code points, as the column counts them: 200 letters with a combining accent are 400.
        let combining = String(repeating: "A\u{300}", count: 200)
        let long = app.upload("/api/v1/knowledge/files/", filename: "n.txt", Array("Notas.".utf8), fields: ["title": combining])
        #expect(long.status == 422 && long.locations == [["body", "title"]])
        let unknown = app.upload("/api/v1/knowledge/files/", filename: "x.txt", [0x00, 0xff, 0x10, 0x80, 0x00, 0x01, 0x02, 0x9f])
        #expect(unknown.status == 415)
        #expect(app.send(.post, "/api/v1/knowledge/files/", json: #"{"file": "x"}"#).status == 415)
        #expect(app.send(.get, "/api/v1/knowledge/files/")["count"] == 0)

        let accented = String(repeating: "À", count: 300)
        #expect(app.upload("/api/v1/knowledge/files/", filename: "n.txt", Array("Notas.".utf8), fields: ["title": accented]).status == 202)
    }

    @Test func searchRanksReadyPairsAndHonoursTheAssistantsScope() throws {
        let shipping = pair("Public shipping policy", "Shipping is free over fifty euros.")
        let margin = pair("Internal shipping margin", "Our shipping margin is twelve percent.")
        #expect(search(#"{"query": "shipping"}"#).isEmpty)  // nothing is ready yet
        try app.ingestPendingPairs()

        let result = app.send(.post, "/api/v1/knowledge/search", json: #"{"query": "shipping margin", "top_k": 1}"#)
        #expect(result.status == 200 && result["count"] == 1 && result["embedding_model"] == .string(LocalEnricher.modelName))
        let hit = try #require(result.items.first?.objectValue)
        #expect(hit["source_id"] == margin["id"] && hit["kind"] == "qa" && hit["title"] == "Internal shipping margin")
        #expect(hit["snippet"] == "Internal shipping margin\nOur shipping margin is twelve percent." && hit["chunk_index"] == 0)
        #expect(Set(hit.keys) == ["chunk_id", "source_id", "kind", "title", "snippet", "score", "chunk_index"])
        #expect(search(#"{"query": "shipping", "kinds": ["file", "url"]}"#).isEmpty)

        let assistant = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Shop"}"#).id
        let scoped = #"{"query": "shipping", "top_k": 10, "assistant_id": "\#(assistant)"}"#
        #expect(Set(search(scoped)) == [shipping.id, margin.id])
        let excluded = app.send(.put, "/api/v1/assistants/\(assistant)/knowledge/\(margin.id)", json: #"{"mode": "exclude"}"#)
        #expect(
            excluded.status == 200 && excluded.json == ["assistant_id": .string(assistant), "source_id": margin["id"]!, "mode": "exclude"])
        #expect(search(scoped) == [shipping.id])
        #expect(Set(search(#"{"query": "shipping", "top_k": 10}"#)) == [shipping.id, margin.id])

        let linked = app.send(.patch, "/api/v1/assistants/\(assistant)", json: #"{"knowledge_mode": "linked"}"#)
        #expect(linked["knowledge_mode"] == "linked")
        #expect(search(scoped).isEmpty)
        #expect(app.send(.put, "/api/v1/assistants/\(assistant)/knowledge/\(shipping.id)", json: #"{"mode": "include"}"#).status == 200)
        #expect(search(scoped) == [shipping.id])
        let effective = app.send(.get, "/api/v1/assistants/\(assistant)/knowledge")
        #expect(effective["knowledge_mode"] == "linked" && effective["count"] == 1)
        #expect(
            effective.items == [
                ["source_id": shipping["id"]!, "kind": "qa", "title": "Public shipping policy", "status": "ready", "link": "include"]
            ])

        #expect(app.send(.delete, "/api/v1/assistants/\(assistant)/knowledge/\(shipping.id)").status == 204)
        #expect(app.send(.delete, "/api/v1/assistants/\(assistant)/knowledge/\(shipping.id)").status == 404)
        #expect(search(scoped).isEmpty)
        let badMode = app.send(.put, "/api/v1/assistants/\(assistant)/knowledge/\(shipping.id)", json: #"{"mode": "maybe", "x": 1}"#)
        #expect(badMode.status == 422 && badMode.locations == [["body", "mode"], ["body", "x"]])
    }

    @Test func aPortugueseQuestionFindsItsPairInOtherWords() throws {
        let refund = pair("Qual é o prazo de reembolso das compras?", "O reembolso é feito em até catorze dias.")
        _ = pair("Quais formas de pagamento vocês aceitam?", "Cartão, Pix e boleto.")
        try app.ingestPendingPairs()
        // Plural forms and stop words: the Portuguese stemmer reduces both to the same terms.
        #expect(search(#"{"query": "prazos dos reembolsos", "top_k": 1}"#) == [refund.id])
    }

    @Test func invalidSearchesAreOne422AndAQueryOfOperatorsIsSearched() {
        let bad = app.send(.post, "/api/v1/knowledge/search", json: #"{"query": "", "top_k": 0, "kinds": ["pdf"], "near": true}"#)
        #expect(bad.status == 422)
        #expect(bad.locations == [["body", "query"], ["body", "top_k"], ["body", "kinds"], ["body", "near"]])
        #expect(app.send(.post, "/api/v1/knowledge/search", json: #"{"top_k": 3}"#).locations == [["body", "query"]])
        // InnoDB's full-text syntax means nothing here: such queries are words like any other.
        for query in ["*", #"+-<>()~\"@"#, "pedido*"] {
            #expect(app.send(.post, "/api/v1/knowledge/search", json: #"{"query": "\#(query)"}"#).status == 200)
        }
    }

    @Test func anotherOrganizationsKnowledgeIsNotFound() throws {
        let secret = pair("Secret recipe zebrafruit", "Zebrafruit syrup and mint.")
        let file = app.upload("/api/v1/knowledge/files/", filename: "notes.txt", Array("Private notes.".utf8))
        try app.ingestPendingPairs()
        let mine = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Mine"}"#).id
        #expect(search(#"{"query": "zebrafruit recipe"}"#) == [secret.id])

        let other = try TestApp()
        let qa = "/api/v1/knowledge/qas/\(secret.id)"
        #expect(other.send(.get, qa).status == 404)
        #expect(other.send(.patch, qa, json: #"{"answer": "Stolen."}"#).status == 404)
        #expect(other.send(.delete, qa).status == 404)
        #expect(other.send(.get, "/api/v1/knowledge/files/\(secret.id)").status == 404)
        for path in ["", "/content"] {
            #expect(other.send(.get, "/api/v1/knowledge/files/\(file.id)\(path)").status == 404)
        }
        #expect(other.send(.post, "/api/v1/knowledge/files/\(file.id)/reprocess").status == 404)
        #expect(other.send(.delete, "/api/v1/knowledge/files/\(file.id)").status == 404)
        #expect(other.send(.post, "/api/v1/knowledge/search", json: #"{"query": "zebrafruit recipe"}"#).items.isEmpty)
        let theirs = other.send(.post, "/api/v1/assistants/", json: #"{"name": "Theirs"}"#).id
        #expect(other.send(.put, "/api/v1/assistants/\(theirs)/knowledge/\(secret.id)", json: #"{"mode": "include"}"#).status == 404)
        #expect(other.send(.put, "/api/v1/assistants/\(mine)/knowledge/\(secret.id)", json: #"{"mode": "exclude"}"#).status == 404)
        #expect(other.send(.get, "/api/v1/assistants/\(mine)/knowledge").status == 404)
        let foreignScope = other.send(.post, "/api/v1/knowledge/search", json: #"{"query": "x", "assistant_id": "\#(mine)"}"#)
        #expect(foreignScope.status == 404 && foreignScope.json == ["detail": "Assistant not found"])
        #expect(other.send(.get, "/api/v1/knowledge/qas/")["count"] == 0)

        let untouched = app.send(.get, qa)
        #expect(untouched["answer"] == "Zebrafruit syrup and mint." && untouched["status"] == "ready")
        #expect(app.send(.get, "/api/v1/assistants/\(mine)/knowledge")["count"] == 2)
    }
}
