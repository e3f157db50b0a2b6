/// A type stored as one row of one table: it names the table and the columns it is read from,
/// once, and the generic operations of `ScopedConnection` write the statements.
///
/// Properties map to snake_case columns (see `Row.decode(as:)`); `databaseColumns` lists them
/// in that form, without the scope column, which the scoped connection adds itself.
public protocol DatabaseRecord: Codable {
    static var databaseTable: String { get }
    static var databaseColumns: [String] { get }
}

extension DatabaseRecord {
    /// `SELECT` list of the record's columns, qualified with `alias` when given.
    public static func selection(_ alias: String? = nil) -> SQL {
        let names = alias.map { alias in databaseColumns.map { "\(alias).\($0)" } } ?? databaseColumns
        return "\(columns: names)"
    }
}

/// One page of rows and how many match in all.
public struct RecordPage<Item> {
    public var items: [Item]
    public var count: Int
}

extension ScopedConnection {
    /// Inserts the record, adding the scope column. Columns come from encoding it.
    @discardableResult
    public func insert(_ record: some DatabaseRecord) throws -> ExecutionResult {
        let columns = try RowEncoder().encode(record)
        let values = SQL.joined(columns.map { SQL(value: $0.value) }, separator: ", ")
        let table = type(of: record).databaseTable
        return try execute(
            """
            INSERT INTO \(identifier: table) (\(columns: [scope.column] + columns.map(\.column))) VALUES (\(value), \(values))
            """)
    }

    /// The first record matching `condition` (within the scope), in `order` when given.
    public func find<T: DatabaseRecord>(_ type: T.Type, where condition: SQL, orderBy order: SQL? = nil) throws -> T? {
        var sql: SQL = "SELECT \(T.selection()) FROM \(identifier: T.databaseTable) WHERE \(self.condition) AND \(condition)"
        if let order { sql.append("ORDER BY \(order)") }
        sql.append("LIMIT 1")
        return try fetchOne(type, sql)
    }

    /// Every record matching `condition` (within the scope), in `order`.
    public func all<T: DatabaseRecord>(_ type: T.Type, where condition: SQL? = nil, orderBy order: SQL) throws -> [T] {
        try fetchAll(type, "SELECT \(T.selection()) FROM \(identifier: T.databaseTable) WHERE \(filter(condition)) ORDER BY \(order)")
    }

    /// One page of the records matching `condition` (within the scope), in `order`, and how many
    /// match in all: counted, or read by `countedBy` — a statement within the scope that answers
    /// the same number without visiting every record (a counter a trigger keeps).
    public func page<T: DatabaseRecord>(
        _ type: T.Type, where condition: SQL? = nil, orderBy order: SQL, limit: Int, offset: Int, countedBy counter: SQL? = nil
    ) throws -> RecordPage<T> {
        let matching = filter(condition)
        let items = try fetchAll(
            type,
            "SELECT \(T.selection()) FROM \(identifier: T.databaseTable) WHERE \(matching) ORDER BY \(order) LIMIT \(limit) OFFSET \(offset)"
        )
        let count = try fetchOne(Int.self, counter ?? "SELECT COUNT(*) FROM \(identifier: T.databaseTable) WHERE \(matching)") ?? 0
        return RecordPage(items: items, count: count)
    }

    /// The scope's condition, and `condition` when given.
    private func filter(_ condition: SQL?) -> SQL {
        guard let condition else { return self.condition }
        return "\(self.condition) AND \(condition)"
    }

    /// Updates the columns of `changes` in the rows matching `condition` (within the scope).
    @discardableResult
    public func update(_ table: String, set changes: [(column: String, value: DatabaseValue)], where condition: SQL) throws
        -> ExecutionResult
    {
        let assignments = SQL.joined(changes.map { "\(identifier: $0.column) = \($0.value)" }, separator: ", ")
        return try execute("UPDATE \(identifier: table) SET \(assignments) WHERE \(self.condition) AND \(condition)")
    }
}
