import Foundation

extension Request {
    /// Query parameters in order, percent-decoded, `+` read as a space.
    public var queryItems: [(name: String, value: String)] {
        guard !query.isEmpty else { return [] }
        return query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decodeQueryComponent(parts[0])
            let value = parts.count > 1 ? Self.decodeQueryComponent(parts[1]) : ""
            return (name: name, value: value)
        }
    }

    /// The last value given for a query parameter.
    public func queryValue(_ name: String) -> String? {
        queryItems.last { $0.name == name }?.value
    }

    private static func decodeQueryComponent(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
