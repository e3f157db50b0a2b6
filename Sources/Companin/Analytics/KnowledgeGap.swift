import Foundation
import HTTP

/// A knowledge gap as `/analytics/gaps/` shows it: questions of one meaning that the assistants
/// could not answer well, with figures over the range read.
struct KnowledgeGap: Encodable, Sendable {
    static let notFound = HTTPError(.notFound, detail: "Knowledge gap not found")
    /// Questions shown as examples, newest first.
    static let exampleCount = 5

    struct Language: Encodable, Sendable {
        var language: String
        var count: Int
    }

    struct ReasonCount: Encodable, Sendable {
        var reason: GapStore.Reason
        var count: Int
    }

    struct AssistantCount: Encodable, Sendable {
        var assistantID: UUID
        /// `nil` for an assistant deleted since.
        var name: String?
        var count: Int
    }

    /// Questions asked on one UTC day.
    struct Day: Encodable, Sendable {
        var date: Date
        var count: Int

        enum CodingKeys: String, CodingKey { case date, count }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Self.format(date), forKey: .date)
            try container.encode(count, forKey: .count)
        }

        /// `2026-12-01`, the UTC calendar day.
        static func format(_ date: Date) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
    }

    struct Example: Encodable, Sendable {
        var messageID: UUID
        var conversationID: UUID
        var assistantID: UUID
        var question: String
        var askedAt: Date
        var language: String
        var reasons: [GapStore.Reason]
    }

    struct Answer: Encodable, Sendable {
        /// The Q&A pair written; `nil` once that pair was deleted.
        var qaID: UUID?
        var answeredAt: Date
        var apiKeyID: UUID?
    }

    var id: UUID
    var status: GapStore.Status
    /// The representative question: the member nearest the gap's centre.
    var question: String
    var representativeMessageID: UUID
    /// Questions in the range and filters.
    var count: Int
    var firstAskedAt: Date?
    var lastAskedAt: Date?
    var languages: [Language]
    var reasons: [ReasonCount]
    var assistants: [AssistantCount]
    var trend: [Day]
    var examples: [Example]
    var answer: Answer?
    var createdAt: Date
}
