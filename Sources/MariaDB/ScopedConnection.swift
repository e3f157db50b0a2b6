/// A column that partitions every table it appears in (the tenant), and the one value of it a
/// `ScopedConnection` may see.
public struct Scope: Sendable, Hashable {
    public let column: String
    public let value: DatabaseValue

    public init(column: String, value: some DatabaseValueConvertible) {
        self.column = SQL.checkedIdentifier(column)
        self.value = value.databaseValue
    }
}

/// A connection seen through one scope, e.g. one organization: the only handle stores get.
///
/// Generic record operations add the scope column themselves. A hand-written statement must
/// contain the scope, written as `\(db.condition)` (`organization_id = ?`, or `\(db.condition("s"))`
/// for `s.organization_id = ?`) or `\(db.value)` (the bound value, for an INSERT's VALUES);
/// one that does not is refused before it reaches the server, so forgetting the scope fails the
/// first test that runs the statement instead of leaking another tenant's rows.
public struct ScopedConnection {
    public let connection: Connection
    public let scope: Scope

    public init(_ connection: Connection, scope: Scope) {
        self.connection = connection
        self.scope = scope
    }

    /// `column = ?`, bound to this scope's value.
    public var condition: SQL { condition(nil) }

    /// `alias.column = ?`, bound to this scope's value.
    public func condition(_ alias: String?) -> SQL {
        let column = alias.map { SQL.checkedIdentifier($0) + "." + scope.column } ?? scope.column
        return SQL(text: "\(column) = ?", bindings: [scope.value], scopes: [scope])
    }

    /// The scope's value as a bound parameter, e.g. in an INSERT's VALUES list.
    public var value: SQL {
        SQL(text: "?", bindings: [scope.value], scopes: [scope])
    }

    public func rows(_ sql: SQL) throws -> [Row] {
        try connection.rows(checked(sql))
    }

    @discardableResult
    public func execute(_ sql: SQL) throws -> ExecutionResult {
        try connection.execute(checked(sql))
    }

    public func fetchAll<T: Decodable>(_ type: T.Type, _ sql: SQL) throws -> [T] {
        try connection.fetchAll(type, checked(sql))
    }

    public func fetchOne<T: Decodable>(_ type: T.Type, _ sql: SQL) throws -> T? {
        try connection.fetchOne(type, checked(sql))
    }

    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(body)
    }

    private func checked(_ sql: SQL) throws -> SQL {
        guard sql.scopes.contains(scope) else {
            throw DatabaseError(
                kind: .statement, message: "statement is not scoped by \(scope.column); write \\(db.condition) into it", sql: sql.text)
        }
        return sql
    }
}

extension Connection {
    /// This connection seen through `scope`.
    public func scoped(to scope: Scope) -> ScopedConnection {
        ScopedConnection(self, scope: scope)
    }
}
