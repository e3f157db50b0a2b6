import HTTP
import MariaDB

/// A `WHERE` clause built from a list's optional filters: each filter given adds its condition
/// and bindings; every clause starts with the organization.
struct SQLFilter {
    private(set) var conditions: [String]
    private(set) var values: [DatabaseValue]

    init(_ condition: String, _ values: [DatabaseValue]) {
        conditions = [condition]
        self.values = values
    }

    mutating func add(_ condition: String, _ values: [DatabaseValue] = []) {
        conditions.append(condition)
        self.values += values
    }

    /// Adds `condition` with `value` bound to its one `?`, when there is a value.
    mutating func add(_ condition: String, ifPresent value: (some DatabaseValueConvertible)?) {
        if let value { add(condition, [value.databaseValue]) }
    }

    var sql: String { conditions.joined(separator: " AND ") }
}

extension Connection {
    /// One page of the rows of `table` that match `filter`, in `order`, and how many match in all.
    func page<T>(
        _ columns: String, from table: String, where filter: SQLFilter, orderBy order: String, _ page: Pagination,
        decode: (Row) throws -> T
    ) throws -> (items: [T], count: Int) {
        let items = try query(
            sql:
                """
                SELECT \(columns) FROM \(table) WHERE \(filter.sql) ORDER BY \(order) LIMIT ? OFFSET ?
                """, filter.values + [.int(Int64(page.limit)), .int(Int64(page.offset))]
        ).map(decode)
        let count =
            try query(sql: "SELECT COUNT(*) AS count FROM \(table) WHERE \(filter.sql)", filter.values)
            .first?.decode(Int.self, "count") ?? 0
        return (items, count)
    }
}
