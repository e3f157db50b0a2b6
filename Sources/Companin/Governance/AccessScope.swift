import MariaDB

/// What a key or a browser token may do in its organization. `admin` may do everything; the others
/// are the routes `AccessPolicy` lists for them.
public enum AccessScope: String, Sendable, CaseIterable, Codable, Comparable {
    /// Everything, including keys, tokens and deletions.
    case admin
    /// Reading assistants, knowledge, sessions and conversations; searching; rendering templates.
    case read
    /// The analytics endpoints and the audit trail.
    case analytics
    /// What a website's chat widget needs: sessions, contexts, conversations, messages and
    /// feedback, each by its id (no listing), optionally bound to one assistant.
    case widget

    public static func < (lhs: AccessScope, rhs: AccessScope) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A key's scopes: a JSON list in the API (`["read", "widget"]`, sorted), a MariaDB `SET` in its
/// column (`"read,widget"`).
public struct AccessScopes: Sendable, Equatable, Codable, DatabaseValueConvertible {
    public var set: Set<AccessScope>

    public init(_ set: Set<AccessScope>) { self.set = set }

    public init(from decoder: any Decoder) throws {
        set = Set(try decoder.singleValueContainer().decode([AccessScope].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(set.sorted())
    }

    /// Unknown words are dropped, so a scope added by a later version never widens what an older
    /// responder lets a key do.
    public init(databaseValue: DatabaseValue) throws {
        set = Set(try String(databaseValue: databaseValue).split(separator: ",").compactMap { AccessScope(rawValue: String($0)) })
    }

    public var databaseValue: DatabaseValue { .text(set.sorted().map(\.rawValue).joined(separator: ",")) }
}
