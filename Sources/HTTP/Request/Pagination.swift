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
    public init(_ request: Request) throws {
        var query = QueryReader(request)
        limit = query.int(Fields.limit).map(Int.init) ?? Self.defaultLimit
        offset = query.int(Fields.offset).map(Int.init) ?? 0
        try query.finish()
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
