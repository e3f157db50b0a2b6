import Foundation

/// A customer of the platform. Every API key and every resource belongs to exactly one.
public struct Organization: Sendable, Equatable, Decodable {
    public var id: UUID
    public var name: String
    /// Requests per hour; `nil` uses the platform default (`Settings.rateLimitPerHour`).
    public var rateLimitPerHour: Int?
    /// Lifetime of new sessions that name none; `nil` uses the platform default (`Settings.sessionTTL`).
    public var sessionTTLSeconds: Int?
    public var createdAt: Date
}
