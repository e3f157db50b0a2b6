import Foundation

/// A customer of the platform. Every API key and every resource belongs to exactly one.
public struct Organization: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var createdAt: Date
}
