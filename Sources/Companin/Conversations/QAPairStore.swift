import Foundation
import MariaDB

/// The question and answer of Q&A knowledge sources, as a reply matches a visitor's question
/// against them; scoped by the caller's organization.
struct QAPairStore {
    let db: ScopedConnection

    /// Question and answer of the Q&A sources among `ids`, by source id.
    func pairs(_ ids: [UUID]) throws -> [UUID: (question: String, answer: String)] {
        guard !ids.isEmpty else { return [:] }
        let rows = try db.fetchAll(
            PairRow.self,
            "SELECT id, question, answer FROM knowledge_sources WHERE \(db.condition) AND kind = 'qa' AND id IN \(list: Set(ids))")
        return Dictionary(
            rows.map { ($0.id, (question: $0.question ?? "", answer: $0.answer ?? "")) }, uniquingKeysWith: { first, _ in first })
    }

    private struct PairRow: Decodable {
        var id: UUID
        var question: String?
        var answer: String?
    }
}
