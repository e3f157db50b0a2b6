extension Connection {
    /// Runs a statement that returns rows.
    public func rows(_ sql: SQL) throws -> [Row] {
        try query(sql: sql.text, sql.bindings)
    }

    /// Runs a statement for its effect; a result set, if any, is read and discarded.
    @discardableResult
    public func execute(_ sql: SQL) throws -> ExecutionResult {
        try execute(sql: sql.text, sql.bindings)
    }

    /// Every row of the result, decoded as `T` (see `Row.decode(as:)`).
    public func fetchAll<T: Decodable>(_ type: T.Type, _ sql: SQL) throws -> [T] {
        try rows(sql).map { try $0.decode(as: type) }
    }

    /// The first row of the result decoded as `T`, or nil when there is none.
    public func fetchOne<T: Decodable>(_ type: T.Type, _ sql: SQL) throws -> T? {
        try rows(sql).first.map { try $0.decode(as: type) }
    }
}
