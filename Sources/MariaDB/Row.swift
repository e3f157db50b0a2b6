/// One row of a result set: column names (shared by all rows of the result) and values.
public struct Row: Sendable {
    /// Column names (aliases when the query gives them), in select order.
    public let columns: [String]
    /// Values in the same order as `columns`.
    public let values: [DatabaseValue]

    public init(columns: [String], values: [DatabaseValue]) {
        precondition(columns.count == values.count, "a row needs one value per column")
        self.columns = columns
        self.values = values
    }

    /// The value of the first column with this name, or nil when no column has it.
    public subscript(_ column: String) -> DatabaseValue? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return values[index]
    }

    /// The value at a position in select order.
    public subscript(_ index: Int) -> DatabaseValue {
        values[index]
    }

    /// Decodes a column as `T`.
    ///
    /// Throws a `.decoding` error naming the column when it is missing or cannot be converted;
    /// decode as an `Optional` to accept NULL.
    public func decode<T: DatabaseValueConvertible>(_: T.Type = T.self, _ column: String) throws -> T {
        guard let value = self[column] else {
            throw DatabaseError(kind: .decoding, message: "no column named '\(column)' in the result")
        }
        do {
            return try T(databaseValue: value)
        } catch let error as DatabaseError {
            throw DatabaseError(kind: .decoding, message: "column '\(column)': \(error.message)")
        }
    }
}
