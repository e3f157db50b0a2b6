extension Connection {
    /// Inserts `rows` (each one value per column, in the order of `columns`) with multi-row
    /// statements of `insertChunks(of:)` sizes, so a handful of prepared statements covers any
    /// batch. `onDuplicateKey`, when given, is the statement's `ON DUPLICATE KEY UPDATE` list.
    ///
    /// Not scoped: it serves writers that batch rows of many organizations (the request log), whose
    /// rows carry their organization column like any other value.
    public func insert(into table: String, columns: [String], rows: [[DatabaseValue]], onDuplicateKey update: SQL? = nil) throws {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row needs one value per column")
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        for chunk in Self.insertChunks(of: rows.count) {
            var sql = SQL(
                text: "INSERT INTO \(SQL.checkedIdentifier(table)) (\(columns.map(SQL.checkedIdentifier).joined(separator: ", "))) VALUES "
                    + Array(repeating: row, count: chunk.count).joined(separator: ", "),
                bindings: Array(rows[chunk].joined()), scopes: [])
            if let update { sql.append("ON DUPLICATE KEY UPDATE \(update)") }
            try execute(sql)
        }
    }

    /// Row counts a multi-row insert is split into: powers of two up to 256, largest first.
    public static func insertChunks(of count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let size = [256, 128, 64, 32, 16, 8, 4, 2, 1].first { $0 <= count - start }!
            ranges.append(start..<(start + size))
            start += size
        }
        return ranges
    }
}
