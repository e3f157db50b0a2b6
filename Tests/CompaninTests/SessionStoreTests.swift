import Foundation
import HTTP
import Logging
import MariaDB
import Testing

@testable import Companin

private func reader(_ members: [String: JSONValue]) -> FieldReader {
    FieldReader(members, location: [.key("body")])
}

/// Records declare their columns once; the list must be what they encode, in order.
@Suite struct RecordColumnTests {
    @Test func declaredColumnsAreTheEncodedOnes() throws {
        let now = Date.now.truncatedToMicroseconds
        let session = Session(
            id: UUID(), assistantID: nil, visitorID: UUID(), initialVisitorID: UUID(), authenticated: false, channel: "web",
            storedState: .active, metadata: [:], ttlSeconds: 60, sliding: true, expiresAt: now, lastActivityAt: now,
            identifiedAt: nil, endedAt: nil, endReason: nil, createdByAPIKeyID: nil, createdAt: now, updatedAt: now)
        let visitor = Visitor(
            id: UUID(), externalID: nil, profile: VisitorProfile(), identifiedAt: nil, lastSeenAt: now, createdAt: now, updatedAt: now)
        let context = SessionContext(
            id: UUID(), sessionID: UUID(), position: 1, attributes: [:], crm: nil, createdByAPIKeyID: nil, createdAt: now, updatedAt: now)
        let conversation = Conversation(
            id: UUID(), assistantID: UUID(), assistantVersion: 1, sessionID: UUID(), status: .open, needsHuman: false, task: nil,
            metadata: [:], messageCount: 0, lastMessageAt: nil, handoffReason: nil, handedOffAt: nil, handedOffByAPIKeyID: nil,
            closedAt: nil, closeReason: nil, createdByAPIKeyID: nil, createdAt: now, updatedAt: now)
        let message = Message(
            id: UUID(), conversationID: UUID(), position: 1, role: .user, content: "hi", metadata: [:], apiKeyID: nil,
            actor: .init(type: .visitor, id: nil), inReplyTo: nil, assistantVersion: nil, grounding: nil, model: nil, sources: nil,
            createdAt: now)
        let feedback = Feedback(
            id: UUID(), conversationID: UUID(), messageID: nil, assistantID: UUID(), assistantVersion: 1, rating: 5, comment: nil,
            actorType: .agent, actorID: "a", metadata: [:], apiKeyID: nil, isCurrent: true, supersededAt: nil, createdAt: now)
        func columns(_ record: some DatabaseRecord) throws -> [String] { try RowEncoder().encode(record).map(\.column) }
        #expect(try columns(session) == Session.databaseColumns)
        #expect(try columns(VisitorRow(visitor, mergedIntoID: nil)) == VisitorRow.databaseColumns)
        #expect(try columns(ContextRow(context)) == ContextRow.databaseColumns)
        #expect(try columns(ConversationRow(conversation)) == ConversationRow.databaseColumns)
        #expect(try columns(MessageRow(message)) == MessageRow.databaseColumns)
        #expect(
            try columns(IdempotentMessageRow(message: MessageRow(message), idempotencyKey: nil, requestSHA256: nil))
                == IdempotentMessageRow.databaseColumns)
        #expect(try columns(FeedbackRow(feedback)) == FeedbackRow.databaseColumns)
        #expect(Session.writtenColumns.isSubset(of: Session.databaseColumns))
        #expect(ContextRow.writtenColumns.isSubset(of: ContextRow.databaseColumns))
    }
}

@Suite("Session, visitor and context stores", .serialized, .enabled(if: StoreTestDatabase.isAvailable))
struct SessionStoreTests {
    let db: ScopedConnection
    let sessions: SessionStore

    init() throws {
        db = try StoreTestDatabase.organization()
        sessions = SessionStore(db: db)
    }

    private func open(_ body: [String: JSONValue], ttl: Int = 600) throws -> Session {
        try sessions.create(SessionInput(reader(body), partial: false, configuration: .standard), ttlSeconds: ttl, by: nil)
    }

    @Test func aSessionReadsBackAsWrittenAndOnlyInItsOrganization() throws {
        let metadata: [String: JSONValue] = [
            "page": .string("/preços"), "n": .int(3), "ratio": .double(2.5), "nothing": .null,
            "nested": .object(["list": .array([.bool(true), .string("a\"b\n")])]),
        ]
        let session = try open(["channel": .string("web"), "metadata": .object(metadata)])
        let found = try #require(try sessions.find(session.id))
        #expect(found == session)
        #expect(found.metadata == metadata)

        let other = SessionStore(db: try StoreTestDatabase.organization())
        #expect(try other.find(session.id) == nil)
        #expect(try other.list(.init(), Pagination(limit: 10, offset: 0)).count == 0)
        #expect(throws: HTTPError.self) { try other.end(session.id, reason: nil) }
    }

    @Test func listsFilterByChannelStateAndVisitor() throws {
        let web = try open(["channel": .string("web")])
        let app = try open(["channel": .string("app"), "visitor": .object(["external_id": .string("crm-1")])])
        _ = try sessions.end(app.id, reason: "done")
        let page = Pagination(limit: 10, offset: 0)
        #expect(try sessions.list(.init(), page).items.map(\.id) == [web.id, app.id])
        #expect(try sessions.list(.init(channel: "web"), page).items.map(\.id) == [web.id])
        #expect(try sessions.list(.init(state: .active), page).items.map(\.id) == [web.id])
        #expect(try sessions.list(.init(state: .ended), page).items.map(\.id) == [app.id])
        #expect(try sessions.list(.init(externalID: "crm-1"), page).items.map(\.id) == [app.id])
        #expect(try sessions.list(.init(visitorID: web.visitorID), page).items.map(\.id) == [web.id])
        let second = try sessions.list(.init(), Pagination(limit: 1, offset: 1))
        #expect(second.items.map(\.id) == [app.id] && second.count == 2)
    }

    @Test func identifyingAnAnonymousVisitorLinksItAndMovesItsSessions() throws {
        let known = try open(["visitor": .object(["external_id": .string("crm-7"), "email": .string("a@example.com")])])
        let anonymous = try open(["visitor": .object(["display_name": .string("Ana")])])
        let identified = try sessions.update(
            anonymous.id,
            SessionInput(reader(["visitor": .object(["external_id": .string("crm-7")])]), partial: true, configuration: .standard))
        #expect(identified.visitorID == known.visitorID && identified.initialVisitorID == anonymous.visitorID)

        let visitors = sessions.visitors
        // The anonymous id now names the identified visitor, whose profile took the gaps' values.
        let visitor = try #require(try visitors.find(anonymous.visitorID))
        #expect(visitor.id == known.visitorID)
        #expect(visitor.profile == VisitorProfile(displayName: "Ana", email: "a@example.com"))
        let page = Pagination(limit: 10, offset: 0)
        #expect(try sessions.list(.init(visitorID: anonymous.visitorID), page).count == 2)
        #expect(try visitors.list(externalID: nil, identified: nil, page).items.map(\.id) == [known.visitorID])

        let journey = try #require(try visitors.journeys([visitor]).first)
        #expect(journey.linkedVisitorIDs == [anonymous.visitorID])
        #expect(journey.sessionCount == 2 && journey.sessions.map(\.session.id) == [known.id, anonymous.id])
        #expect(try sessions.count(ofVisitor: known.visitorID) == 2)
        #expect(try sessions.sessions(ofVisitor: known.visitorID, limit: 1).map(\.id) == [anonymous.id])
    }

    @Test func contextsKeepTheirOrderAndCRMReference() throws {
        let session = try open([:])
        let contexts = ContextStore(db: db)
        let first = try contexts.create(
            sessionID: session.id, attributes: ["plan": .string("pro")], crm: CRMReference(system: "hubspot", recordID: "9", url: nil),
            by: nil)
        let second = try contexts.create(sessionID: session.id, attributes: ["plan": .string("max")], crm: nil, by: nil)
        #expect(first.position == 1 && second.position == 2)
        #expect(try contexts.find(first.id) == first)
        let changed = try contexts.update(first.id, attributes: ["vip": .bool(true)], crm: .some(nil))
        #expect(try contexts.find(first.id) == changed && changed.crm == nil)
        #expect(try contexts.contexts(ofSessions: [session.id])[session.id]?.map(\.id) == [first.id, second.id])
        let listed = try contexts.list(.init(sessionID: session.id), Pagination(limit: 10, offset: 0))
        #expect(listed.items == [changed, second] && listed.count == 2)
        try contexts.delete(second.id)
        #expect(try contexts.find(second.id) == nil)
        #expect(try ContextStore(db: try StoreTestDatabase.organization()).find(first.id) == nil)
    }

    @Test func theSweeperMarksExpiredSessionsOfEveryOrganization() throws {
        let session = try open([:], ttl: 60)
        let later = Date.now.addingTimeInterval(120)
        _ = try SessionSweeper(database: db.connection).sweep(at: later)
        let swept = try #require(try sessions.find(session.id))
        #expect(swept.storedState == .expired && swept.state(at: .now) == .expired)
    }
}

@Suite("Conversation, message and feedback stores", .serialized, .enabled(if: StoreTestDatabase.isAvailable))
struct ConversationStoreTests {
    let db: ScopedConnection
    let conversations: ConversationStore
    let conversation: Conversation

    init() throws {
        db = try StoreTestDatabase.organization()
        conversations = ConversationStore(db: db)
        let assistant = try AssistantStore(db)
            .create(AssistantInput(reader(["name": .string("Shop")]), requireName: true), by: nil)
        let session = try SessionStore(db: db).create(
            SessionInput(reader([:]), partial: false, configuration: .standard), ttlSeconds: 600, by: nil)
        conversation = try conversations.create(
            ConversationInput(
                reader([
                    "assistant_id": .string(assistant.id.uuidString), "session_id": .string(session.id.uuidString),
                    "metadata": .object(["ticket": .string("T-1")]),
                ])), by: nil)
    }

    private func post(_ content: String, key: String? = nil) throws -> MessageStore.Posted {
        let input = try MessageInput(reader(["role": .string("user"), "content": .string(content)]))
        let source = Message.Source(sourceID: UUID(), chunkID: 7, kind: "qa", title: "Prazos", score: 0.75)
        return try MessageStore(db: db).post(input, to: conversation.id, idempotencyKey: key, by: nil) { _, message in
            (ReplyComposer.Reply(content: "re: \(message.content)", grounding: .qa, sources: [source], model: nil), 1)
        }
    }

    @Test func conversationsReadBackAndFilter() throws {
        #expect(try conversations.find(conversation.id) == conversation)
        let page = Pagination(limit: 10, offset: 0)
        #expect(try conversations.list(.init(sessionID: conversation.sessionID), page).items == [conversation])
        #expect(try conversations.list(.init(status: .closed), page).count == 0)
        let closed = try conversations.close(conversation.id, reason: "done")
        #expect(try conversations.find(conversation.id) == closed)
        #expect(try conversations.list(.init(status: .closed), page).items == [closed])
        #expect(try ConversationStore(db: try StoreTestDatabase.organization()).find(conversation.id) == nil)
    }

    @Test func messagesAndRepliesAreStoredOnceAndReplayed() throws {
        let posted = try post("Qual o prazo?", key: "k-1")
        let reply = try #require(posted.reply)
        #expect(reply.inReplyTo == posted.message.id && reply.sources?.first?.chunkID == 7)
        let replayed = try post("Qual o prazo?", key: "k-1")
        #expect(replayed.replayed && replayed.message == posted.message && replayed.reply == reply)
        let messages = MessageStore(db: db)
        #expect(try messages.all(conversation.id) == [posted.message, reply])
        #expect(try messages.list(conversation.id, after: posted.message.id, limit: 10).items == [reply])
        #expect(try messages.history(conversation.id, before: 3, count: 1) == [reply])
        #expect(try conversations.find(conversation.id)?.messageCount == 2)
    }

    @Test func ratingAgainSupersedesTheEarlierRating() throws {
        let store = FeedbackStore(db: db)
        let body: [String: JSONValue] = ["rating": .int(2), "actor": .object(["type": .string("agent"), "id": .string("ana")])]
        let first = try store.rate(conversation.id, FeedbackInput(reader(body)), by: nil)
        var again = body
        again["rating"] = .int(5)
        let second = try store.rate(conversation.id, FeedbackInput(reader(again)), by: nil)
        #expect(!first.replaced && second.replaced)
        #expect(try store.list(conversation.id, history: false) == [second.feedback])
        let history = try store.list(conversation.id, history: true)
        #expect(history.map(\.id) == [first.feedback.id, second.feedback.id] && history[0].supersededAt != nil)
    }
}
