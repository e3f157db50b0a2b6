import HTTP

/// Renders a task template with the client's variables; every missing variable is one `422` entry.
struct TemplateRendering: Encodable {
    var name: String
    var text: String
    var variables: [String]

    /// The most a rendering may be, in UTF-8 bytes: what a conversation's `task_text` column holds.
    static let maximumBytes = 65_535

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
        // Each use of a variable repeats its value: a 20 KB template of placeholders and a 20 KB
        // value would render 80 MB. Measured before anything is built.
        let size = Placeholders.renderedSize(pieces, values: values)
        guard size <= maximumBytes else {
            throw ValidationError([
                FieldError(
                    loc: location, msg: "The rendered text would be \(size) bytes; at most \(maximumBytes)", type: "too_long")
            ])
        }
        return TemplateRendering(name: template.name, text: Placeholders.render(pieces, values: values), variables: names)
    }
}
