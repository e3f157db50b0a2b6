import Foundation

extension SessionStore {
    /// The API's view of sessions: each with its visitor and its contexts, read in two queries for
    /// the whole list (one when the caller already has the visitors).
    func views(_ sessions: [Session], showingContexts: Bool = false, visitors known: [UUID: Visitor]? = nil) throws -> [SessionView] {
        let visitors = try known ?? self.visitors.visitors(Set(sessions.map(\.visitorID)))
        let contexts = try ContextStore(db: db).contexts(ofSessions: sessions.map(\.id))
        let now = Date.now
        return try sessions.map { session in
            guard let visitor = visitors[session.visitorID] else { throw VisitorStore.notFound }
            return SessionView(
                session: session, visitor: visitor, contexts: contexts[session.id] ?? [], now: now,
                showsContexts: showingContexts)
        }
    }

    func view(_ session: Session) throws -> SessionView {
        try views([session])[0]
    }
}
