import Foundation

/// `{{variable}}` placeholders in task templates: parsed once to validate, and to render with values.
///
/// A placeholder is `{{name}}` with optional spaces inside the braces; a name is letters, digits
/// and underscores, not starting with a digit, optionally dotted (`{{customer.first_name}}`).
/// Single braces and a stray `}}` are plain text, so JSON examples in a template need no escaping.
enum Placeholders {
    enum Piece: Equatable {
        case text(String)
        case variable(String)
    }

    struct SyntaxError: Error, Equatable {
        /// Character offset of the offending `{{`.
        var offset: Int
        var reason: String
    }

    static func parse(_ template: String) throws(SyntaxError) -> [Piece] {
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            let offset = template.distance(from: template.startIndex, to: open.lowerBound)
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw SyntaxError(offset: offset, reason: "unclosed {{")
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard isValidName(name) else {
                throw SyntaxError(offset: offset, reason: name.isEmpty ? "empty placeholder" : "invalid variable name \"\(name)\"")
            }
            pieces.append(.variable(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }

    /// Variable names in order of first use.
    static func variables(in pieces: [Piece]) -> [String] {
        var seen: Set<String> = []
        return pieces.compactMap { piece in
            guard case .variable(let name) = piece, seen.insert(name).inserted else { return nil }
            return name
        }
    }

    /// The UTF-8 length `render` would produce.
    static func renderedSize(_ pieces: [Piece], values: [String: String]) -> Int {
        pieces.reduce(0) { total, piece in
            switch piece {
            case .text(let text): total + text.utf8.count
            case .variable(let name): total + (values[name]?.utf8.count ?? 0)
            }
        }
    }

    static func render(_ pieces: [Piece], values: [String: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): text
            case .variable(let name): values[name] ?? ""
            }
        }.joined()
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                guard let first = part.first, first.isASCII, first.isLetter || first == "_" else { return false }
                return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            }
    }
}
