import HTTP

/// Renders a task template with the client's variables; every missing variable is one `422` entry.
struct TemplateRendering: Encodable {
    var name: String
    var text: String
    var variables: [String]

    /// `location` is where the variables were sent, for the `422` entries.
    static func render(
        _ template: TaskTemplate, variables: [String: JSONValue],
        location: [FieldError.Location] = [.key("body"), .key("variables")]
    ) throws -> TemplateRendering {
        // Stored templates were validated on the way in, so a parse failure here is our bug.
        let pieces: [Placeholders.Piece]
        do {
            pieces = try Placeholders.parse(template.template)
        } catch {
            throw HTTPError(.internalServerError)
        }
        let names = Placeholders.variables(in: pieces)
        var values: [String: String] = [:]
        var errors: [FieldError] = []
        for name in names {
            let location = location + [.key(name)]
            switch variables[name] {
            case nil, .null?:
                errors.append(FieldError(loc: location, msg: "Field required", type: "missing"))
            case .string(let text)?: values[name] = text
            case .int(let number)?: values[name] = String(number)
            case .double(let number)?: values[name] = String(number)
            case .bool(let flag)?: values[name] = flag ? "true" : "false"
            case .array?, .object?:
                errors.append(FieldError(loc: location, msg: "Input should be a string, number or boolean", type: "scalar_type"))
            }
        }
        if !errors.isEmpty { throw ValidationError(errors) }
        return TemplateRendering(name: template.name, text: Placeholders.render(pieces, values: values), variables: names)
    }
}
