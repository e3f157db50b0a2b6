import Foundation
import HTTP

/// The `visitor` object of a session request: who the visitor is (`id`, the anonymous id the
/// channel kept; `external_id`, an identity the organization vouches for) and what it knows of them.
struct VisitorInput: Equatable {
    var id: UUID?
    var externalID: String?
    var profile = VisitorProfile()

    static let maximumExternalIDLength = 255

    static let fields = FieldSet([
        Fields.id, Fields.externalID, Fields.displayName, Fields.email, Fields.phone, Fields.locale,
    ])

    enum Fields {
        static let id = Field("id", .uuid, "The anonymous visitor id the channel kept; not on a change")
        static let externalID = Field(
            "external_id", .string(minLength: 1, maxLength: maximumExternalIDLength),
            "An identity the organization vouches for; identifies the visitor")
        static let displayName = Field("display_name", .string(minLength: 1, maxLength: 200))
        static let email = Field("email", .string(minLength: 3, maxLength: 320), "An e-mail address")
        static let phone = Field("phone", .string(minLength: 3, maxLength: 40), "Digits, spaces and + - ( ) .")
        static let locale = Field("locale", .string(minLength: 2, maxLength: LanguageTag.maximumLength), "A BCP 47 language tag")
    }

    /// Reads the fields, recording every problem in `reader`.
    init(_ reader: inout FieldReader) {
        id = reader.uuid(Fields.id)
        externalID = reader.string(Fields.externalID)
        if let value = externalID, value.trimmingCharacters(in: .whitespacesAndNewlines) != value {
            reader.fail("external_id", "Value error, no leading or trailing spaces", type: "value_error")
        }
        profile.displayName = reader.string(Fields.displayName)
        profile.email = reader.string(Fields.email)
        if let email = profile.email, !Self.looksLikeEmail(email) {
            reader.fail("email", "Value error, not an e-mail address", type: "value_error")
        }
        profile.phone = reader.string(Fields.phone)
        if let phone = profile.phone, !phone.allSatisfy({ $0.isASCII && ($0.isNumber || " +-().".contains($0)) }) {
            reader.fail("phone", "Value error, a phone number has digits, spaces and + - ( ) . only", type: "value_error")
        }
        if let text = reader.string(Fields.locale) {
            profile.locale = LanguageTag.canonical(text)
            if profile.locale == nil {
                reader.fail("locale", "Value error, not a well-formed BCP 47 language tag", type: "value_error")
            }
        }
    }

    private static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace)
    }
}

/// The fields of `POST /api/v1/sessions/` (`partial: false`) or of a `PATCH` (`partial: true`), validated.
struct SessionInput {
    var assistantID: UUID?
    var visitor: VisitorInput?
    var channel: String?
    var metadata: [String: JSONValue]?
    var ttlSeconds: Int?
    var sliding: Bool?

    static let defaultChannel = "api"
    static let maximumChannelLength = 50

    /// `POST …/end`: an optional body `{reason}`.
    static let endReason = Field("reason", .string(minLength: 1, maxLength: 200), "Why the session ended")

    /// The fields of a new session, with the lifetimes `configuration` allows.
    static func fields(_ configuration: SessionConfiguration) -> FieldSet {
        FieldSet([
            Fields.assistantID, Fields.visitor, Fields.channel, Fields.metadata, Fields.ttlSeconds(configuration), Fields.sliding,
        ])
    }

    /// The fields of a change: the channel stays, and the visitor changes only by being identified.
    static func updateFields(_ configuration: SessionConfiguration) -> FieldSet {
        var fields = fields(configuration).removing("channel", "visitor")
        fields.fields.insert(Fields.visitor.with(.fields(VisitorInput.fields.removing("id"))), at: 1)
        return fields
    }

    enum Fields {
        static let assistantID = Field("assistant_id", .uuid, "The assistant the session talks to")
        static let visitor = Field("visitor", .fields(VisitorInput.fields), "Who the visitor is; on a change, identifies them")
        static let channel = Field(
            "channel", .string(minLength: 1, maxLength: maximumChannelLength),
            "Where the visitor is (web, whatsapp…): letters, digits, '_', '-' and '.'; api by default; set only at opening")
        static let metadata = Field("metadata", .object(maxBytes: AssistantInput.maximumMetadataBytes))
        static func ttlSeconds(_ configuration: SessionConfiguration) -> Field {
            Field(
                "ttl_seconds",
                .integer(minimum: Int64(configuration.minimumTTLSeconds), maximum: Int64(configuration.maximumTTLSeconds)),
                "The session's lifetime in seconds, within the server's bounds")
        }
        static let sliding = Field("sliding", .boolean, "Whether activity extends the lifetime")
    }

    init(_ reader: FieldReader, partial: Bool, configuration: SessionConfiguration) throws {
        var reader = reader
        assistantID = reader.uuid(Fields.assistantID)
        visitor = reader.nested(Fields.visitor) { VisitorInput(&$0) }
        if partial {
            if visitor?.id != nil {
                reader.fail(
                    at: [.key("visitor"), .key("id")], "Value error, a session's visitor is changed by identifying it with external_id",
                    type: "value_error")
            }
            if reader.contains("channel") {
                reader.fail("channel", "Value error, the channel is set when the session is opened", type: "value_error")
            }
        } else if let text = reader.string(Fields.channel) {
            let lowered = text.lowercased()
            if lowered.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) {
                channel = lowered
            } else {
                reader.fail("channel", "Value error, letters, digits, '_', '-' and '.' only", type: "value_error")
            }
        }
        metadata = reader.object(Fields.metadata)
        ttlSeconds = reader.int(Fields.ttlSeconds(configuration)).map(Int.init)
        sliding = reader.bool(Fields.sliding)
        try reader.finish()
    }
}

/// The fields of `POST /api/v1/contexts` (`partial: false`) or of a `PATCH` (`partial: true`), validated.
struct ContextInput {
    var sessionID: UUID?
    var attributes: [String: JSONValue]?
    /// Set when the client sent `crm`: a reference, or `nil` inside to remove it.
    var crm: CRMReference??

    /// The fields of a create; a change takes `attributes` as optional and refuses `session_id`.
    static let fields = FieldSet([Fields.sessionID, Fields.attributes, Fields.crm])
    static let updateFields = fields.removing("session_id").partial

    enum Fields {
        static let sessionID = Field("session_id", .uuid, required: true, "The session the attributes are about")
        static let attributes = Field(
            "attributes", .object(maxBytes: ContextAttributes.maximumBytes, maxKeys: ContextAttributes.maximumKeys), required: true,
            """
            Visitor attributes: at most \(ContextAttributes.maximumKeys) keys in all, \(ContextAttributes.maximumKeyLength) \
            characters a name, nested \(ContextAttributes.maximumDepth) levels, strings of \(ContextAttributes.maximumStringLength) \
            characters, lists of \(ContextAttributes.maximumListItems) items
            """)
        static let crm = Field("crm", .fields(CRMReference.fields), nullable: true, "The visitor's record in a CRM; null removes it")
    }

    init(_ reader: FieldReader, partial: Bool) throws {
        var reader = reader
        if !partial {
            sessionID = reader.uuid(Fields.sessionID)
        } else if reader.contains("session_id") {
            reader.fail("session_id", "Value error, a context stays with its session", type: "value_error")
        }
        if let value = reader.value(Fields.attributes.required(!partial)) {
            if case .object(let members) = value {
                let problems = ContextAttributes.check(members)
                for problem in problems { reader.fail(at: [.key("attributes")] + problem.loc, problem.msg, type: problem.type) }
                if problems.isEmpty { attributes = members }
            } else {
                reader.fail("attributes", "Input should be a valid dictionary", type: "dict_type")
            }
        }
        if reader.contains("crm") {
            if reader.members["crm"] == .null {
                _ = reader.value("crm")
                crm = .some(nil)
            } else if let reference = reader.nested(Fields.crm, read: Self.readCRM) {
                crm = .some(reference)
            }
        }
        try reader.finish()
    }

    private static func readCRM(_ reader: inout FieldReader) -> CRMReference? {
        let system = reader.string(CRMReference.Fields.system)
        let recordID = reader.string(CRMReference.Fields.recordID)
        let url = reader.string(CRMReference.Fields.url)
        if let url {
            let parsed = URLComponents(string: url)
            guard let scheme = parsed?.scheme?.lowercased(), scheme == "https" || scheme == "http", parsed?.host?.isEmpty == false else {
                reader.fail("url", "Input should be a valid URL, an http or https URL with a host", type: "url_parsing")
                return nil
            }
        }
        guard let system, let recordID else { return nil }
        return CRMReference(system: system, recordID: recordID, url: url)
    }
}

extension CRMReference {
    static let fields = FieldSet([Fields.system, Fields.recordID, Fields.url])

    enum Fields {
        static let system = Field("system", .string(minLength: 1, maxLength: 100), required: true, "The CRM's name (salesforce, hubspot…)")
        static let recordID = Field("record_id", .string(minLength: 1, maxLength: 255), required: true, "The record's id in that CRM")
        static let url = Field("url", .string(minLength: 1, maxLength: 2_048), "An http or https link to the record")
    }
}

/// Limits on the visitor attributes of a context, so a channel cannot grow a session without bound.
enum ContextAttributes {
    static let maximumKeys = 100
    static let maximumKeyLength = 100
    static let maximumStringLength = 2_000
    static let maximumListItems = 100
    /// The attributes object is level 1: `{"a": {"b": {"c": {"d": 1}}}}` is 4 levels.
    static let maximumDepth = 4
    static let maximumBytes = 16 * 1024

    /// Every limit the attributes break, each at the path (within them) of the offending key or value.
    static func check(_ attributes: [String: JSONValue]) -> [FieldError] {
        var errors: [FieldError] = []
        var keys = 0
        var tooDeep = false
        func visit(_ value: JSONValue, at path: [FieldError.Location], level: Int) {
            switch value {
            case .object(let members):
                if level > maximumDepth {
                    tooDeep = true
                    return
                }
                for key in members.keys.sorted() {
                    keys += 1
                    if key.isEmpty || key.count > maximumKeyLength {
                        errors.append(
                            FieldError(
                                loc: path + [.key(key)],
                                msg: "Attribute names should have 1 to \(maximumKeyLength) characters", type: "string_too_long"))
                    }
                    visit(members[key]!, at: path + [.key(key)], level: level + 1)
                }
            case .array(let items):
                if level > maximumDepth {
                    tooDeep = true
                    return
                }
                if items.count > maximumListItems {
                    errors.append(
                        FieldError(
                            loc: path,
                            msg: "List should have at most \(maximumListItems) items after validation, not \(items.count)", type: "too_long"
                        ))
                }
                for (index, item) in items.enumerated() { visit(item, at: path + [.index(index)], level: level + 1) }
            case .string(let text):
                if text.count > maximumStringLength {
                    errors.append(
                        FieldError(
                            loc: path,
                            msg: "String should have at most \(maximumStringLength) characters", type: "string_too_long"))
                }
            default:
                break
            }
        }
        visit(.object(attributes), at: [], level: 1)
        if tooDeep {
            errors.append(FieldError(loc: [], msg: "Attributes should be nested at most \(maximumDepth) levels deep", type: "too_deep"))
        }
        if keys > maximumKeys {
            errors.append(FieldError(loc: [], msg: "Attributes should have at most \(maximumKeys) keys, not \(keys)", type: "too_long"))
        }
        let bytes = JSONValue.object(attributes).serialized.utf8.count
        if bytes > maximumBytes {
            errors.append(
                FieldError(loc: [], msg: "Attributes should be at most \(maximumBytes) bytes of JSON, not \(bytes)", type: "too_long"))
        }
        return errors
    }
}
