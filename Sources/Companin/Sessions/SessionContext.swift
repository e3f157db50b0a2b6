import Foundation
import HTTP

/// Visitor attributes attached to a session, optionally mapping the visitor to a CRM record.
/// A session keeps its contexts in order (`position`); merged, later ones win.
struct SessionContext: Sendable, Equatable {
    var id: UUID
    var sessionID: UUID
    var position: Int
    var attributes: [String: JSONValue]
    var crm: CRMReference?
    var createdByAPIKeyID: UUID?
    var createdAt: Date
    var updatedAt: Date

    /// The attributes of `contexts` (in position order) merged: a later value replaces an earlier
    /// one, and objects present in both are merged key by key the same way.
    static func mergedAttributes(_ contexts: [SessionContext]) -> [String: JSONValue] {
        contexts.reduce(into: [:]) { merged, context in merge(context.attributes, into: &merged) }
    }

    private static func merge(_ later: [String: JSONValue], into merged: inout [String: JSONValue]) {
        for (key, value) in later {
            if case .object(let newer) = value, case .object(var older)? = merged[key] {
                merge(newer, into: &older)
                merged[key] = .object(older)
            } else {
                merged[key] = value
            }
        }
    }

    /// The CRM references of `contexts`, once each (system and record), in the order first attached;
    /// a later context naming the same record updates its link.
    static func crmReferences(_ contexts: [SessionContext]) -> [CRMReference.Attached] {
        var references: [CRMReference.Attached] = []
        for context in contexts {
            guard let crm = context.crm else { continue }
            if let index = references.firstIndex(where: { $0.reference.system == crm.system && $0.reference.recordID == crm.recordID }) {
                references[index] = CRMReference.Attached(reference: crm, contextID: context.id)
            } else {
                references.append(CRMReference.Attached(reference: crm, contextID: context.id))
            }
        }
        return references
    }
}

/// A record in the organization's CRM that the visitor maps to.
struct CRMReference: Sendable, Equatable, Encodable {
    var system: String
    var recordID: String
    var url: String?

    enum CodingKeys: String, CodingKey {
        case system
        case recordID = "record_id"
        case url
    }

    /// A reference as a session shows it: with the context that attached it.
    struct Attached: Encodable {
        var reference: CRMReference
        var contextID: UUID

        enum CodingKeys: String, CodingKey {
            case system
            case recordID = "record_id"
            case url
            case contextID = "context_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(reference.system, forKey: .system)
            try container.encode(reference.recordID, forKey: .recordID)
            try container.encode(reference.url, forKey: .url)
            try container.encode(contextID, forKey: .contextID)
        }
    }
}

extension SessionContext: Encodable {
    enum CodingKeys: String, CodingKey {
        case id
        case sessionID = "session_id"
        case position, attributes, crm
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
