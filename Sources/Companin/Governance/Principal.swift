import Foundation
import HTTP

/// Who a request acts for, as an `Authenticator` established it: the organization, what it may do,
/// and what it is bound to. Every store call is scoped by `organizationID`.
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case apiKey = "api_key"
        case browserToken = "browser_token"
    }

    public var kind: Kind
    /// The key itself, or for a browser token the key that minted it (revoking that key ends the token).
    public var keyID: UUID
    public var organizationID: UUID
    public var scopes: Set<AccessScope>
    /// Only this assistant's sessions and conversations (a bound widget key or token).
    public var assistantID: UUID?
    /// Only this session and its contexts and conversations (a browser token minted for one visitor).
    public var sessionID: UUID?
    /// The organization's own hourly limit, when it has one.
    public var rateLimitPerHour: Int?
    /// The organization's own session lifetime, when it has one.
    public var sessionTTLSeconds: Int?
    /// An operator key (`companin key create --operator`) may read other organizations' analytics.
    public var isOperator: Bool

    public init(
        kind: Kind = .apiKey, keyID: UUID, organizationID: UUID, scopes: Set<AccessScope> = [.admin], assistantID: UUID? = nil,
        sessionID: UUID? = nil, rateLimitPerHour: Int? = nil, sessionTTLSeconds: Int? = nil, isOperator: Bool = false
    ) {
        self.kind = kind
        self.keyID = keyID
        self.organizationID = organizationID
        self.scopes = scopes
        self.assistantID = assistantID
        self.sessionID = sessionID
        self.rateLimitPerHour = rateLimitPerHour
        self.sessionTTLSeconds = sessionTTLSeconds
        self.isOperator = isOperator
    }

    public func has(_ scope: AccessScope) -> Bool { scopes.contains(.admin) || scopes.contains(scope) }

    /// Whether a session or conversation of this assistant in this session is within the principal's
    /// bindings. Callers answer `404` when it is not, as for an id of another organization.
    public func reaches(assistant: UUID?, session: UUID?) -> Bool {
        if let assistantID, assistant != assistantID { return false }
        if let sessionID, session != sessionID { return false }
        return true
    }
}

extension AppContext {
    /// For a new session or conversation: a bound key or token fills in its assistant and session
    /// when the client left them out, and refuses others (`403`).
    func bind(assistant: inout UUID?, session: inout UUID?) throws {
        guard let principal else { throw HTTPError.unauthorized }
        if let bound = principal.assistantID {
            if let asked = assistant, asked != bound { throw HTTPError(.forbidden, detail: "This key is bound to another assistant") }
            assistant = bound
        }
        if let bound = principal.sessionID {
            if let asked = session, asked != bound { throw HTTPError(.forbidden, detail: "This token is bound to another session") }
            session = bound
        }
    }
}
