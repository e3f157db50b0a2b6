extension Extractors {
    /// Containers nested deeper than this fail with `too_deep`.
    static let maxJSONDepth = 64

    /// JSON: flattened to `path: value` lines in document order (`customer.orders[0].id: 42`).
    static func json(_ bytes: [UInt8]) -> Result<Extraction, ExtractionError> {
        let value: JSONDocument.Value
        do {
            value = try JSONDocument.parse(bytes[...], maxDepth: maxJSONDepth)
        } catch {
            switch error {
            case .tooDeep:
                return .failure(ExtractionError(code: "too_deep", message: "The JSON document nests deeper than \(maxJSONDepth) levels."))
            case .invalid(let offset):
                return .failure(ExtractionError(code: "invalid_json", message: "The file is not valid JSON (at byte \(offset))."))
            }
        }
        let lines = JSONDocument.flatten(value)
        return .success(
            Extraction(
                text: lines.joined(separator: "\n"), title: JSONDocument.title(of: value),
                attributes: ["encoding": "utf-8", "fields": String(lines.count)]))
    }
}
