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

    /// `?limit=&offset=`, declared once: `init(_:)` reads them and the contract documents them.
    public enum Fields {
        public static let limit = Field("limit", .integer(minimum: 1, maximum: Int64(Pagination.maximumLimit)))
        public static let offset = Field("offset", .integer(minimum: 0, maximum: Int64(Int32.max)))
    }

    /// The parameters of a limit/offset list.
    public static let query = [Fields.limit, Fields.offset]

    /// Reads `limit` (1…1000, default 100) and `offset` (≥ 0, default 0); bad values answer `422` at `["query", name]`.
    /// A list with filters of its own reads the page with them instead (`QueryReader.pagination()`).
    public init(_ request: Request) throws {
        var query = QueryReader(request)
        self = query.pagination()
        try query.finish()
    }
}

extension QueryReader {
    /// `?limit=&offset=`, read with the list's other parameters, so one `422` lists every problem.
    public mutating func pagination() -> Pagination {
        Pagination(limit: pageLimit(), offset: int(Pagination.Fields.offset).map(Int.init) ?? 0)
    }

    /// `?limit=` alone, for a list that pages by cursor rather than by offset.
    public mutating func pageLimit() -> Int {
        int(Pagination.Fields.limit).map(Int.init) ?? Pagination.defaultLimit
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
