import Foundation
import HTTP
import MariaDB
import Testing

/// Per-endpoint behaviour of conversations, messages and feedback, in process, over a Portuguese
/// assistant that knows two Q&A pairs (ingested in process with the hashed model). Replies from
/// documents, a reply model, sliding sessions by the clock and the database's refusal to edit a
/// message are tested end to end.
@Suite("Conversations API in process", .enabled(if: TestApp.isAvailable))
struct ConversationAPITests {
    static let shippingQuestion = "Qual é o prazo de entrega para a região Nordeste?"
    static let shippingAnswer = "Para a região Nordeste o prazo de entrega é de 5 a 8 dias úteis após a confirmação do pagamento."
    static let nothingFoundPortuguese = "Desculpe, não encontrei essa informação. Vou encaminhar a sua pergunta a um atendente humano."
    static let nothingFoundEnglish = "Sorry, I couldn't find that information. I'll pass your question on to a human agent."

    let app: TestApp
    let assistant: TestResponse
    let shipping: TestResponse

    init() throws {
        app = try TestApp()
        assistant = app.send(
            .post, "/api/v1/assistants/",
            json: #"""
                {"name": "Aurora", "language": "pt-BR", "tone": "cordial",
                 "task_templates": [{"name": "pedido", "template": "Ajudar com o pedido {{order_id}}"}]}
                """#)
        shipping = app.send(
            .post, "/api/v1/knowledge/qas/", json: #"{"question": "\#(Self.shippingQuestion)", "answer": "\#(Self.shippingAnswer)"}"#)
        _ = app.send(
            .post, "/api/v1/knowledge/qas/",
            json: #"""
                {"question": "Quais formas de pagamento vocês aceitam?",
                 "answer": "Aceitamos cartão de crédito em até 10 vezes, Pix e boleto bancário."}
                """#)
        try app.ingestPendingPairs()
    }

    private func open(_ extra: String = "", assistant: String? = nil, on app: TestApp? = nil) throws -> TestResponse {
        let app = app ?? self.app
        let session = app.send(.post, "/api/v1/sessions/", json: #"{"channel": "web"}"#).id
        let reply = app.send(
            .post, "/api/v1/conversations/",
            json: #"{"assistant_id": "\#(assistant ?? self.assistant.id)", "session_id": "\#(session)"\#(extra)}"#)
        try #require(reply.status == 201, "\(reply.json)")
        return reply
    }

    private func say(
        _ conversation: String, _ content: String, role: String = "user", headers: [String: String] = [:], on app: TestApp? = nil
    ) -> TestResponse {
        let body = JSONValue.object(["role": .string(role), "content": .string(content)]).serialized
        return (app ?? self.app).send(.post, "/api/v1/conversations/\(conversation)/messages", json: body, headers: headers)
    }

    @Test func openingNeedsAnActiveAssistantAndAnOpenSession() throws {
        let session = app.send(.post, "/api/v1/sessions/", json: #"{"sliding": false}"#)
        let idle = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Idle", "is_active": false}"#).id
        let refused = app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(idle)", "session_id": "\#(session.id)"}"#)
        #expect(refused.status == 409 && refused.json == ["detail": "Assistant is not active"])

        let opened = app.send(
            .post, "/api/v1/conversations/",
            json: #"""
                {"assistant_id": "\#(assistant.id)", "session_id": "\#(session.id)", "metadata": {"ticket": "T-1"},
                 "task": {"name": "pedido", "variables": {"order_id": "A-77"}}}
                """#)
        #expect(opened.status == 201)
        #expect(opened["status"] == "open" && opened["needs_human"] == false && opened["message_count"] == 0)
        #expect(opened["assistant_id"] == assistant["id"] && opened["session_id"] == session["id"])
        #expect(
            opened["assistant_version"] == assistant["live_version"]
                && opened["created_by_api_key_id"] == .string(app.keyID.uuidString.lowercased()))
        #expect(opened["task"] == ["name": "pedido", "text": "Ajudar com o pedido A-77"] && opened["metadata"] == ["ticket": "T-1"])
        #expect(opened["last_message_at"] == .null && opened["handoff_reason"] == .null && opened["closed_at"] == .null)
        #expect(app.send(.get, "/api/v1/conversations/\(opened.id)").json == opened.json)

        // The session expires: no new conversation or message, and what there is stays readable.
        let sessionID = try #require(UUID(uuidString: session.id))
        try app.db.execute("UPDATE sessions SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE \(app.db.condition) AND id = \(sessionID)")
        let gone = app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(session.id)"}"#)
        #expect(gone.status == 410 && gone.json == ["detail": "Session expired"])
        let late = say(opened.id, "Ainda está aí?")
        #expect(late.status == 410 && late.json == ["detail": "Session expired"])
        #expect(app.send(.get, "/api/v1/conversations/\(opened.id)").json == opened.json)
        #expect(app.send(.get, "/api/v1/sessions/\(session.id)")["state"] == "expired")
    }

    @Test func invalidConversationsAreOne422AndWriteNothing() throws {
        let session = app.send(.post, "/api/v1/sessions/", json: "{}").id
        let bad = app.send(
            .post, "/api/v1/conversations/",
            json: #"{"assistant_id": "\#(assistant.id)", "session_id": "x", "task": {"name": "pedido"}, "extra": 1}"#)
        #expect(bad.status == 422 && Set(bad.locations) == [["body", "session_id"], ["body", "extra"]])
        let empty = app.send(.post, "/api/v1/conversations/", json: "{}")
        #expect(empty.locations == [["body", "assistant_id"], ["body", "session_id"]])
        let missing = app.send(
            .post, "/api/v1/conversations/",
            json: #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(session)", "task": {"name": "pedido"}}"#)
        #expect(missing.status == 422 && missing.locations == [["body", "task", "variables", "order_id"]])
        // A template that repeats a variable cannot render past what the conversation keeps.
        let echo = app.send(
            .post, "/api/v1/assistants/",
            json: #"{"name": "Echo", "task_templates": [{"name": "big", "template": "\#(String(repeating: "{{v}}", count: 100))"}]}"#
        ).id
        let huge = app.send(
            .post, "/api/v1/conversations/",
            json: #"""
                {"assistant_id": "\#(echo)", "session_id": "\#(session)",
                 "task": {"name": "big", "variables": {"v": "\#(String(repeating: "x", count: 1_000))"}}}
                """#)
        #expect(huge.status == 422 && huge.locations == [["body", "task", "variables"]])
        let unknown = app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(UUID())", "session_id": "\#(session)"}"#)
        #expect(unknown.status == 404 && unknown.json == ["detail": "Assistant not found"])
        let noSession = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(UUID())"}"#)
        #expect(noSession.status == 404 && noSession.json == ["detail": "Session not found"])
        #expect(app.send(.get, "/api/v1/conversations/")["count"] == 0)
    }

    @Test func aPortugueseQuestionInTheQABankGetsItsAnswerVerbatim() throws {
        let conversation = try open()
        let posted = say(conversation.id, "Qual o prazo de entrega para o Nordeste?")
        #expect(posted.status == 201)
        let message = try #require(posted["message"])
        let reply = try #require(posted["reply"])
        let key = JSONValue.string(app.keyID.uuidString.lowercased())
        #expect(message["role"] == "user" && message["position"] == 1 && message["content"] == "Qual o prazo de entrega para o Nordeste?")
        #expect(message["actor"]?["type"] == "visitor" && message["api_key_id"] == key && message["in_reply_to"] == .null)
        #expect(message["conversation_id"] == conversation["id"])
        #expect(reply["role"] == "assistant" && reply["position"] == 2 && reply["in_reply_to"] == message["id"])
        #expect(reply["content"] == .string(Self.shippingAnswer) && reply["grounding"] == "qa" && reply["api_key_id"] == key)
        #expect(reply["actor"] == ["type": "assistant", "id": assistant["id"]!] && reply["assistant_version"] == 1)
        let sources = reply["sources"]?.arrayValue ?? []
        #expect(sources.map { $0["source_id"] } == [shipping["id"]] && sources.first?["kind"] == "qa")
        #expect(sources.first?["title"] == .string(Self.shippingQuestion))

        let read = app.send(.get, "/api/v1/conversations/\(conversation.id)")
        #expect(read["message_count"] == 2 && read["needs_human"] == false && read["last_message_at"] == reply["created_at"])
    }

    @Test func anUnanswerableQuestionIsHandedOffInTheAssistantsLanguage() throws {
        let conversation = try open()
        let reply = try #require(say(conversation.id, "Vocês vendem passagens de foguete para Marte?")["reply"])
        #expect(reply["grounding"] == "none" && reply["sources"] == [] && reply["content"] == .string(Self.nothingFoundPortuguese))
        let flagged = app.send(.get, "/api/v1/conversations/\(conversation.id)")
        #expect(flagged["needs_human"] == true && flagged["status"] == "open")

        let english = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Shop", "language": "en"}"#).id
        let elsewhere = try open(assistant: english)
        #expect(say(elsewhere.id, "Do you sell rocket tickets to Mars?")["reply"]?["content"] == .string(Self.nothingFoundEnglish))

        let answered = try open()
        _ = say(answered.id, "Quais formas de pagamento vocês aceitam?")
        let queue = app.send(.get, "/api/v1/conversations/", query: "needs_human=true&status=open")
        #expect(queue["count"] == 2 && Set(queue.items.map { $0["id"] }) == [conversation["id"], elsewhere["id"]])
        #expect(app.send(.get, "/api/v1/conversations/", query: "needs_human=false").items.map { $0["id"] } == [answered["id"]])
    }

    @Test func anExcludedPairIsNeverCited() throws {
        let scoped = try open()
        let excluded = app.send(.put, "/api/v1/assistants/\(assistant.id)/knowledge/\(shipping.id)", json: #"{"mode": "exclude"}"#)
        #expect(excluded.status == 200)
        let hidden = try #require(say(scoped.id, Self.shippingQuestion)["reply"])
        #expect(hidden["grounding"] == "none" && hidden["sources"] == [])
        let other = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Outro", "language": "pt-BR"}"#).id
        let seen = try #require(say(try open(assistant: other).id, Self.shippingQuestion)["reply"])
        #expect(seen["grounding"] == "qa" && seen["sources"]?.arrayValue?.map { $0["source_id"] } == [shipping["id"]])
    }

    @Test func agentAndSystemMessagesGetNoReplyAndInvalidMessagesAreRefused() throws {
        let conversation = try open()
        let path = "/api/v1/conversations/\(conversation.id)/messages"
        let agent = app.send(.post, path, json: #"{"role": "agent", "content": "Olá, sou a Marta do suporte.", "actor_id": "agent-42"}"#)
        #expect(agent.status == 201 && agent["reply"] == .null)
        #expect(agent["message"]?["actor"] == ["type": "agent", "id": "agent-42"])
        let system = say(conversation.id, "Cliente transferido da fila de vendas.", role: "system")
        #expect(system["reply"] == .null && system["message"]?["actor"]?["type"] == "system")
        let listing = app.send(.get, path)
        #expect(listing.items.map { $0["role"] } == ["agent", "system"] && listing["count"] == 2 && listing["next_after"] == .null)

        let cases: [(String, [JSONValue])] = [
            (#"{"role": "assistant", "content": "x"}"#, [["body", "role"]]),
            (#"{"role": "user", "content": "  "}"#, [["body", "content"]]),
            (#"{"role": "user", "content": "x", "actor_id": "me"}"#, [["body", "actor_id"]]),
            (#"{"role": "user", "content": "\#(String(repeating: "x", count: 20_001))"}"#, [["body", "content"]]),
            (#"{"role": "user"}"#, [["body", "content"]]),
            (#"{"content": "", "mood": "ok"}"#, [["body", "role"], ["body", "content"], ["body", "mood"]]),
        ]
        for (body, locations) in cases {
            let reply = app.send(.post, path, json: body)
            #expect(reply.status == 422 && reply.locations == locations, "\(body.prefix(60))")
        }
        #expect(app.send(.get, "/api/v1/conversations/\(conversation.id)")["message_count"] == 2)
        // Messages are append-only: no route edits or deletes them.
        let message = agent["message"]?["id"]?.stringValue ?? ""
        #expect(app.send(.patch, "\(path)/\(message)", json: #"{"content": "changed"}"#).status == 404)
        #expect(app.send(.delete, path).status == 405)
        // And the table refuses it.
        let id = try #require(UUID(uuidString: message))
        #expect(throws: DatabaseError.self) { try app.database.execute("UPDATE messages SET content = 'changed' WHERE id = \(id)") }
        #expect(app.send(.get, path).items.first?["content"] == "Olá, sou a Marta do suporte.")
    }

    @Test func anIdempotentRetryAnswersTheStoredPair() throws {
        let conversation = try open()
        let key = ["Idempotency-Key": "retry-\(UUID())"]
        let first = say(conversation.id, "Quais formas de pagamento vocês aceitam?", headers: key)
        let again = say(conversation.id, "Quais formas de pagamento vocês aceitam?", headers: key)
        #expect(first.status == 201 && again.status == 201)
        #expect(first.header("Idempotent-Replayed") == nil && again.header("Idempotent-Replayed") == "true")
        #expect(again.json == first.json && first["reply"]?["grounding"] == "qa")
        #expect(app.send(.get, "/api/v1/conversations/\(conversation.id)")["message_count"] == 2)

        let reused = say(conversation.id, "Outra pergunta", headers: key)
        #expect(reused.status == 422 && reused.locations == [["header", "Idempotency-Key"]])
        for bad in ["has spaces", "", String(repeating: "k", count: 201), "çedilha"] {
            let reply = say(conversation.id, "x", headers: ["Idempotency-Key": bad])
            #expect(reply.status == 422 && reply.locations == [["header", "Idempotency-Key"]], "\(bad.prefix(10))")
        }
        // A key belongs to its conversation.
        let elsewhere = try open()
        #expect(say(elsewhere.id, "Quais formas de pagamento vocês aceitam?", headers: key).header("Idempotent-Replayed") == nil)
        #expect(app.send(.get, "/api/v1/conversations/\(conversation.id)/messages")["count"] == 2)
    }

    @Test func feedbackIsValidatedReplacedAndKeptInHistory() throws {
        let conversation = try open()
        let pair = say(conversation.id, "Qual o prazo de entrega para o Nordeste?")
        let replyID = try #require(pair["reply"]?["id"])
        let path = "/api/v1/conversations/\(conversation.id)/feedback"
        let invalid = app.send(.post, path, json: #"{"rating": 0, "actor": {"type": "robot"}, "message_id": "m", "comment": "", "x": 1}"#)
        #expect(invalid.status == 422)
        #expect(
            Set(invalid.locations) == [
                ["body", "rating"], ["body", "actor", "type"], ["body", "message_id"], ["body", "comment"], ["body", "x"],
            ])
        for body in [#"{"rating": 6, "actor": {"type": "visitor"}}"#, #"{"rating": "5", "actor": {"type": "visitor"}}"#, #"{"rating": 5}"#]
        {
            #expect(app.send(.post, path, json: body).status == 422, "\(body)")
        }
        #expect(app.send(.get, path).json == ["items": [], "count": 0])

        let first = app.send(
            .post, path,
            json: #"{"rating": 5, "message_id": "\#(replyID.stringValue ?? "")", "actor": {"type": "visitor"}, "comment": "Ótimo"}"#)
        #expect(first.status == 201)
        #expect(first["rating"] == 5 && first["is_current"] == true && first["message_id"] == replyID && first["comment"] == "Ótimo")
        #expect(first["assistant_id"] == assistant["id"] && first["assistant_version"] == 1 && first["superseded_at"] == .null)
        #expect(first["actor"] == ["type": "visitor", "id": pair["message"]?["actor"]?["id"] ?? .null])
        let update = app.send(
            .post, path, json: #"{"rating": 2, "message_id": "\#(replyID.stringValue ?? "")", "actor": {"type": "visitor", "id": "x"}}"#)
        #expect(update.status == 200 && update["rating"] == 2 && update["actor"] == first["actor"])
        let whole = app.send(.post, path, json: #"{"rating": 4, "actor": {"type": "visitor"}}"#)
        #expect(whole.status == 201 && whole["message_id"] == .null)
        let agent = app.send(.post, path, json: #"{"rating": 3, "actor": {"type": "agent", "id": "agent-7"}}"#)
        #expect(agent.status == 201 && agent["actor"] == ["type": "agent", "id": "agent-7"])
        let system = app.send(.post, path, json: #"{"rating": 1, "actor": {"type": "system"}}"#)
        #expect(system["actor"] == ["type": "system", "id": .string(app.keyID.uuidString.lowercased())])

        let current = app.send(.get, path)
        #expect(current["count"] == 4)
        #expect(current.items.map { [$0["rating"], $0["message_id"]] } == [[2, replyID], [4, .null], [3, .null], [1, .null]])
        let history = app.send(.get, path, query: "history=true")
        #expect(history.items.map { [$0["rating"], $0["is_current"]] } == [[5, false], [2, true], [4, true], [3, true], [1, true]])
        #expect(history.items.first?["superseded_at"] != .null)
        #expect(app.send(.get, path, query: "history=perhaps").locations == [["query", "history"]])

        let elsewhere = try open()
        let foreign = app.send(
            .post, "/api/v1/conversations/\(elsewhere.id)/feedback",
            json: #"{"rating": 1, "message_id": "\#(replyID.stringValue ?? "")", "actor": {"type": "visitor"}}"#)
        #expect(foreign.status == 404 && foreign.json == ["detail": "Message not found"])
    }

    @Test func theTranscriptHasTheWholeConversation() throws {
        let conversation = try open(#", "metadata": {"channel_ref": "W-9"}"#)
        let pair = say(conversation.id, "Qual o prazo de entrega para o Nordeste?")
        _ = say(conversation.id, "Vou verificar o seu pedido.", role: "agent")
        let path = "/api/v1/conversations/\(conversation.id)"
        _ = app.send(.post, "\(path)/feedback", json: #"{"rating": 5, "actor": {"type": "visitor"}}"#)
        _ = app.send(.post, "\(path)/feedback", json: #"{"rating": 4, "actor": {"type": "visitor"}, "comment": "Bom"}"#)
        let transcript = app.send(.get, "\(path)/transcript")
        #expect(transcript.status == 200)
        #expect(transcript["conversation"]?["id"] == conversation["id"] && transcript["conversation"]?["message_count"] == 3)
        #expect(transcript["assistant"] == ["id": assistant["id"]!, "version": 1, "name": "Aurora"])
        let session = try #require(transcript["session"])
        #expect(session["id"] == conversation["session_id"] && session["channel"] == "web" && session["authenticated"] == false)
        #expect(transcript["messages"]?.arrayValue?.map { $0["role"] } == ["user", "assistant", "agent"])
        #expect(transcript["messages"]?.arrayValue?[1] == pair["reply"])
        #expect(transcript["feedback"]?.arrayValue?.map { [$0["rating"], $0["is_current"]] } == [[5, false], [4, true]])
    }

    @Test func messagesArePagedAfterACursor() throws {
        let conversation = try open()
        let path = "/api/v1/conversations/\(conversation.id)/messages"
        var ids: [JSONValue] = []
        for number in 0..<25 {
            ids.append(say(conversation.id, "Nota \(number)", role: "system")["message"]?["id"] ?? .null)
        }
        var seen: [JSONValue] = []
        var after: String?
        var pages = 0
        repeat {
            let page = app.send(.get, path, query: "limit=10" + (after.map { "&after=\($0)" } ?? ""))
            #expect(page.status == 200 && page["count"] == 25)
            seen += page.items
            pages += 1
            after = page["next_after"]?.stringValue
            if let after { #expect(page.items.last?["id"] == .string(after)) }
        } while after != nil && pages < 5
        #expect(pages == 3 && seen.map { $0["id"] ?? .null } == ids)
        #expect(seen.map { $0["position"] } == (1...25).map { JSONValue.int(Int64($0)) })
        #expect(seen.prefix(2).map { $0["content"] } == ["Nota 0", "Nota 1"])

        let tail = app.send(.get, path, query: "after=\(ids[22].stringValue ?? "")")
        #expect(tail.items.map { $0["id"] ?? .null } == Array(ids[23...]) && tail["next_after"] == .null)
        let unknown = app.send(.get, path, query: "after=\(UUID())")
        #expect(unknown.status == 422 && unknown.locations == [["query", "after"]])
        #expect(app.send(.get, path, query: "limit=1001").locations == [["query", "limit"]])
    }

    @Test func handOffQuietsTheAssistantAndCloseEndsTheConversation() throws {
        let conversation = try open()
        let path = "/api/v1/conversations/\(conversation.id)"
        #expect(app.send(.post, "\(path)/handoff", json: "{}").locations == [["body", "reason"]])
        let handed = app.send(.post, "\(path)/handoff", json: #"{"reason": "Cliente pediu um humano"}"#)
        #expect(handed.status == 200 && handed["status"] == "handed_off" && handed["handoff_reason"] == "Cliente pediu um humano")
        #expect(handed["handed_off_at"] != .null)
        let twice = app.send(.post, "\(path)/handoff", json: #"{"reason": "again"}"#)
        #expect(twice.status == 409 && twice.json == ["detail": "Conversation is already handed off"])
        #expect(say(conversation.id, "Qual o prazo de entrega para o Nordeste?")["reply"] == .null)
        let waiting = app.send(.get, "/api/v1/conversations/", query: "status=handed_off")
        #expect(waiting.items.map { $0["id"] } == [conversation["id"]])

        #expect(app.send(.post, "\(path)/close", json: #"{"reason": ""}"#).locations == [["body", "reason"]])
        let closed = app.send(.post, "\(path)/close", json: #"{"reason": "resolvido"}"#)
        #expect(
            closed.status == 200 && closed["status"] == "closed" && closed["close_reason"] == "resolvido" && closed["closed_at"] != .null)
        #expect(app.send(.post, "\(path)/close").json == closed.json)
        let refused = say(conversation.id, "Mais uma coisa")
        #expect(refused.status == 409 && refused.json == ["detail": "Conversation is closed"])
        #expect(app.send(.post, "\(path)/handoff", json: #"{"reason": "late"}"#).status == 409)
        #expect(app.send(.get, path)["message_count"] == 1)
        // Rating a closed conversation is allowed.
        #expect(app.send(.post, "\(path)/feedback", json: #"{"rating": 5, "actor": {"type": "visitor"}}"#).status == 201)
    }

    @Test func conversationListsAreFilteredAndPaged() throws {
        let first = app.send(.post, "/api/v1/sessions/", json: #"{"visitor": {"external_id": "f-1"}}"#)
        let one = app.send(.post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(first.id)"}"#)
        let again = app.send(.post, "/api/v1/sessions/", json: #"{"visitor": {"external_id": "f-1"}, "channel": "app"}"#)
        let (secret, keyID) = try app.addKey()
        let two = app.send(
            .post, "/api/v1/conversations/", json: #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(again.id)"}"#, key: secret)
        let other = app.send(.post, "/api/v1/assistants/", json: #"{"name": "Outro"}"#).id
        let three = try open(assistant: other)
        let ids = { (query: String) in self.app.send(.get, "/api/v1/conversations/", query: query).items.map { $0["id"] ?? .null } }

        #expect(ids("") == [one["id"]!, two["id"]!, three["id"]!])
        #expect(ids("limit=1&offset=1") == [two["id"]!])
        #expect(app.send(.get, "/api/v1/conversations/", query: "limit=1")["count"] == 3)
        #expect(ids("visitor_id=\(first["visitor"]?["id"]?.stringValue ?? "")") == [one["id"]!, two["id"]!])
        #expect(ids("session_id=\(again.id)") == [two["id"]!])
        #expect(ids("assistant_id=\(assistant.id)") == [one["id"]!, two["id"]!])
        #expect(ids("api_key_id=\(keyID)") == [two["id"]!])
        #expect(ids("created_after=\(two["created_at"]?.stringValue ?? "")&session_id=\(again.id)") == [two["id"]!])
        #expect(ids("created_before=\(one["created_at"]?.stringValue ?? "")") == [])
        #expect(ids("status=closed") == [])
        let bad = app.send(.get, "/api/v1/conversations/", query: "status=waiting&needs_human=maybe")
        #expect(bad.status == 422 && bad.locations == [["query", "status"], ["query", "needs_human"]])
    }

    @Test func anotherOrganizationsConversationIsNotFound() throws {
        let conversation = try open()
        let pair = say(conversation.id, "Qual o prazo de entrega para o Nordeste?")
        let base = "/api/v1/conversations/\(conversation.id)"
        let other = try TestApp()
        let foreignSession = other.send(.post, "/api/v1/sessions/", json: "{}").id
        let calls: [(HTTPMethod, String, String?)] = [
            (.get, base, nil), (.post, "\(base)/close", nil), (.post, "\(base)/handoff", #"{"reason": "x"}"#),
            (.get, "\(base)/messages", nil), (.post, "\(base)/messages", #"{"role": "user", "content": "oi"}"#),
            (.get, "\(base)/feedback", nil), (.post, "\(base)/feedback", #"{"rating": 1, "actor": {"type": "visitor"}}"#),
            (.get, "\(base)/transcript", nil),
            (.post, "/api/v1/conversations/", #"{"assistant_id": "\#(assistant.id)", "session_id": "\#(foreignSession)"}"#),
        ]
        for (method, path, json) in calls {
            #expect(other.send(method, path, json: json).status == 404, "\(method) \(path)")
        }
        let theirs = other.send(.post, "/api/v1/assistants/", json: #"{"name": "Theirs"}"#).id
        let reply = other.send(
            .post, "/api/v1/conversations/",
            json: #"{"assistant_id": "\#(theirs)", "session_id": "\#(conversation["session_id"]?.stringValue ?? "")"}"#)
        #expect(reply.status == 404 && reply.json == ["detail": "Session not found"])
        #expect(other.send(.get, "/api/v1/conversations/")["count"] == 0)

        let after = app.send(.get, base)
        #expect(after["status"] == "open" && after["message_count"] == 2)
        #expect(app.send(.get, "\(base)/feedback")["count"] == 0)
        #expect(app.send(.get, "\(base)/messages").items.last == pair["reply"])
    }
}
