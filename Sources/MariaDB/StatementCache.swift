/// Prepared statements of one connection keyed by SQL text, evicting the least recently used.
///
/// A hit saves the prepare round trip and the server-side parse. The bound keeps the number of
/// open statements per connection well under the server's `max_prepared_stmt_count`.
struct StatementCache {
    private struct Entry {
        var statement: PreparedStatement
        var lastUse: UInt64
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    /// A logical clock; eviction looks for the smallest value, which is O(capacity) but only
    /// happens on a miss with a full cache.
    private var tick: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0, "a statement cache needs room for at least one statement")
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The cached statement for `sql`, marked as just used.
    mutating func statement(for sql: String) -> PreparedStatement? {
        guard entries[sql] != nil else { return nil }
        tick += 1
        entries[sql]?.lastUse = tick
        return entries[sql]?.statement
    }

    mutating func insert(_ statement: PreparedStatement) {
        if entries[statement.sql] == nil, entries.count >= capacity,
            let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
        {
            // Dropping the last reference closes the server-side statement.
            entries[oldest] = nil
        }
        tick += 1
        entries[statement.sql] = Entry(statement: statement, lastUse: tick)
    }

    mutating func remove(_ sql: String) {
        entries[sql] = nil
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
