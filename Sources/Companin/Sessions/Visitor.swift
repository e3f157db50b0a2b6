import Foundation
import MariaDB

/// A person an organization's assistants talk to. Anonymous until the organization vouches for an
/// `external_id` from its own system; an anonymous visitor identified as one that already exists is
/// linked to it, and its sessions move there.
struct Visitor: Sendable, Equatable {
    var id: UUID
    var externalID: String?
    var profile: VisitorProfile
    var identifiedAt: Date?
    var lastSeenAt: Date
    var createdAt: Date
    var updatedAt: Date
}

/// What the organization tells about a visitor besides who they are; every field optional.
/// Its fields are columns of the visitor's row.
struct VisitorProfile: Sendable, Equatable, FlattenedColumns {
    var displayName: String?
    var email: String?
    var phone: String?
    var locale: String?

    /// The fields of `other` that are set, over these.
    func updated(with other: VisitorProfile) -> VisitorProfile {
        VisitorProfile(
            displayName: other.displayName ?? displayName, email: other.email ?? email,
            phone: other.phone ?? phone, locale: other.locale ?? locale)
    }

    var isEmpty: Bool { displayName == nil && email == nil && phone == nil && locale == nil }
}

extension Visitor: Encodable {
    enum CodingKeys: String, CodingKey {
        case id
        case externalID = "external_id"
        case identified
        case displayName = "display_name"
        case email, phone, locale
        case identifiedAt = "identified_at"
        case lastSeenAt = "last_seen_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(externalID, forKey: .externalID)
        try container.encode(externalID != nil, forKey: .identified)
        try container.encode(profile.displayName, forKey: .displayName)
        try container.encode(profile.email, forKey: .email)
        try container.encode(profile.phone, forKey: .phone)
        try container.encode(profile.locale, forKey: .locale)
        try container.encode(identifiedAt, forKey: .identifiedAt)
        try container.encode(lastSeenAt, forKey: .lastSeenAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
