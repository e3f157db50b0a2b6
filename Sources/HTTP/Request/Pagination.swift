/// A limit/offset window read from `?limit=&offset=`.
public struct Pagination: Sendable, Equatable {
    public var limit: Int
    public var offset: Int

    public static let defaultLimit = 100
    public static let maximumLimit = 1000

    public init(limit: Int = Pagination.defaultLimit, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    /// Reads `limit` (1…1000, default 100) and `offset` (≥ 0, default 0); bad values answer `422` at `["query", name]`.
    public init(_ request: Request) throws {
        var errors: [FieldError] = []
        func read(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
            guard let text = request.queryValue(name), !text.isEmpty else { return fallback }
            guard let number = Int(text) else {
                errors.append(
                    FieldError(
                        loc: [.key("query"), .key(name)],
                        msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing"))
                return fallback
            }
            if number < range.lowerBound {
                errors.append(
                    FieldError(
                        loc: [.key("query"), .key(name)],
                        msg: "Input should be greater than or equal to \(range.lowerBound)", type: "greater_than_equal"))
            } else if number > range.upperBound {
                errors.append(
                    FieldError(
                        loc: [.key("query"), .key(name)],
                        msg: "Input should be less than or equal to \(range.upperBound)", type: "less_than_equal"))
            }
            return number
        }
        limit = read("limit", default: Self.defaultLimit, range: 1...Self.maximumLimit)
        offset = read("offset", default: 0, range: 0...Int(Int32.max))
        if !errors.isEmpty { throw ValidationError(errors) }
    }
}

/// One page of a list: `{"items": [...], "count": N}` where `count` is the total across all pages.
public struct Page<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    public var count: Int

    public init(items: [Item], count: Int) {
        self.items = items
        self.count = count
    }
}
