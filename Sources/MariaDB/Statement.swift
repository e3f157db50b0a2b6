import CMariaDB

/// What one execution of a prepared statement produced.
struct StatementResult {
    /// Rows of the first result set; nil when the statement returns no result set.
    var rows: [Row]?
    var affectedRows: UInt64
    var lastInsertID: UInt64
}

/// Owns one server-side prepared statement (`MYSQL_STMT*`) and runs it with typed bindings.
final class PreparedStatement {
    let sql: String
    /// Keeps the `MYSQL*` open for as long as this statement exists.
    private let connection: ConnectionHandle
    private let stmt: UnsafeMutablePointer<MYSQL_STMT>
    private let parameterCount: Int

    init(connection: ConnectionHandle, sql: String) throws(DatabaseError) {
        guard let stmt = mysql_stmt_init(connection.mysql) else {
            throw DatabaseError(connection: connection.mysql, kind: .statement, sql: sql)
        }
        // Makes mysql_stmt_store_result compute each column's longest value, so result buffers
        // are allocated once at the right size instead of fetched twice.
        var updateMaxLength: my_bool = 1
        mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &updateMaxLength)
        guard mysql_stmt_prepare(stmt, sql, UInt(sql.utf8.count)) == 0 else {
            let error = DatabaseError(statement: stmt, sql: sql, bindings: [])
            mysql_stmt_close(stmt)
            throw error
        }
        self.connection = connection
        self.stmt = stmt
        self.sql = sql
        self.parameterCount = Int(mysql_stmt_param_count(stmt))
    }

    deinit {
        mysql_stmt_close(stmt)
    }

    /// Binds `bindings`, executes, and reads every result. Rows are buffered client side
    /// (`mysql_stmt_store_result`), so the connection is free again when this returns.
    func execute(_ bindings: [DatabaseValue]) throws(DatabaseError) -> StatementResult {
        guard bindings.count == parameterCount else {
            throw DatabaseError(
                kind: .statement, code: UInt32(CR_INVALID_PARAMETER_NO), sqlState: "HY000",
                message: "statement has \(parameterCount) placeholders but \(bindings.count) values were bound", sql: sql
            )
        }
        let parameters = try ParameterBuffers(bindings, sql: sql)
        try withExtendedLifetime(parameters) { () throws(DatabaseError) in
            if parameterCount > 0, mysql_stmt_bind_param(stmt, parameters.binds) != 0 {
                throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
            }
            if mysql_stmt_execute(stmt) != 0 {
                throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
            }
        }

        var rows: [Row]?
        if mysql_stmt_field_count(stmt) > 0 {
            rows = try fetchResultSet(bindings)
        }
        let result = StatementResult(
            rows: rows, affectedRows: mysql_stmt_affected_rows(stmt), lastInsertID: mysql_stmt_insert_id(stmt)
        )
        // A CALL returns further result sets and a final status; all must be read before the
        // connection accepts another command.
        while mysql_stmt_more_results(stmt) != 0 {
            let status = mysql_stmt_next_result(stmt)
            if status < 0 {
                break
            }
            if status > 0 {
                throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
            }
            if mysql_stmt_field_count(stmt) > 0 {
                _ = try fetchResultSet(bindings)
            }
        }
        return result
    }

    private func fetchResultSet(_ bindings: [DatabaseValue]) throws(DatabaseError) -> [Row] {
        guard mysql_stmt_store_result(stmt) == 0 else {
            throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
        }
        defer { mysql_stmt_free_result(stmt) }
        guard let metadata = mysql_stmt_result_metadata(stmt) else {
            throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
        }
        defer { mysql_free_result(metadata) }

        let count = Int(mysql_num_fields(metadata))
        guard count > 0, let fields = mysql_fetch_fields(metadata) else { return [] }
        let results = ResultBuffers(fields: UnsafeBufferPointer(start: fields, count: count))
        guard mysql_stmt_bind_result(stmt, results.binds) == 0 else {
            throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
        }

        var rows: [Row] = []
        rows.reserveCapacity(Int(clamping: mysql_stmt_num_rows(stmt)))
        while true {
            let status = mysql_stmt_fetch(stmt)
            switch status {
            case 0:
                rows.append(Row(columns: results.names, values: results.values(truncated: nil)))
            case MYSQL_DATA_TRUNCATED:
                rows.append(Row(columns: results.names, values: results.values(truncated: stmt)))
            case MYSQL_NO_DATA:
                return rows
            default:
                throw DatabaseError(statement: stmt, sql: sql, bindings: bindings)
            }
        }
    }
}

/// `MYSQL_BIND` array and the memory its entries point to for one execution's parameters.
/// The library copies the values during `mysql_stmt_execute`, so this lives only that long.
private final class ParameterBuffers {
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private var storage: [UnsafeMutableRawPointer] = []

    init(_ values: [DatabaseValue], sql: String) throws(DatabaseError) {
        count = values.count
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: count)

        for (index, value) in values.enumerated() {
            switch value {
            case .null:
                binds[index].buffer_type = MYSQL_TYPE_NULL
            case .int(let integer):
                bindScalar(integer, type: MYSQL_TYPE_LONGLONG, at: index)
            case .uint(let integer):
                bindScalar(integer, type: MYSQL_TYPE_LONGLONG, at: index)
                binds[index].is_unsigned = 1
            case .double(let double):
                bindScalar(double, type: MYSQL_TYPE_DOUBLE, at: index)
            case .text(let text):
                bindBytes(text.utf8, type: MYSQL_TYPE_STRING, at: index)
            case .blob(let bytes):
                bindBytes(bytes, type: MYSQL_TYPE_BLOB, at: index)
            case .datetime(let date):
                guard let civil = CivilTime(date) else {
                    throw DatabaseError(
                        kind: .statement, code: UInt32(CR_INVALID_PARAMETER_NO), sqlState: "22008",
                        message: "parameter \(index + 1): date is outside the DATETIME range (years 1000–9999)", sql: sql
                    )
                }
                bindScalar(MYSQL_TIME(civil), type: MYSQL_TYPE_DATETIME, at: index)
            }
        }
    }

    deinit {
        for pointer in storage {
            pointer.deallocate()
        }
        binds.deinitialize(count: count)
        binds.deallocate()
        lengths.deallocate()
    }

    private func bindScalar<T>(_ value: T, type: enum_field_types, at index: Int) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        buffer.initializeMemory(as: T.self, repeating: value, count: 1)
        storage.append(buffer)
        binds[index].buffer_type = type
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(MemoryLayout<T>.size)
    }

    private func bindBytes(_ bytes: some Collection<UInt8>, type: enum_field_types, at index: Int) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        UnsafeMutableRawBufferPointer(start: buffer, count: bytes.count).copyBytes(from: bytes)
        storage.append(buffer)
        lengths[index] = UInt(bytes.count)
        binds[index].buffer_type = type
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(bytes.count)
        binds[index].length = lengths + index
    }
}

/// Output `MYSQL_BIND` array for one result set, with a buffer per column sized from the
/// column's longest value; values longer than their buffer are fetched separately.
private final class ResultBuffers {
    /// How a column is fetched and which `DatabaseValue` case it becomes.
    private enum Representation {
        case signed, unsigned, double, datetime, text, blob, bits
    }

    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let names: [String]
    private let count: Int
    private let representations: [Representation]
    private let isNull: UnsafeMutablePointer<my_bool>
    private let lengths: UnsafeMutablePointer<UInt>
    private let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer] = []

    init(fields: UnsafeBufferPointer<MYSQL_FIELD>) {
        count = fields.count
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        isNull = .allocate(capacity: count)
        isNull.initialize(repeating: 0, count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        errors = .allocate(capacity: count)
        errors.initialize(repeating: 0, count: count)

        names = fields.map { field in
            guard let name = field.name else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: name, count: Int(field.name_length)), as: UTF8.self)
        }
        representations = fields.map(Self.representation)

        for (index, field) in fields.enumerated() {
            let size: Int
            let bufferType: enum_field_types
            switch representations[index] {
            case .signed, .unsigned:
                (size, bufferType) = (MemoryLayout<Int64>.size, MYSQL_TYPE_LONGLONG)
                binds[index].is_unsigned = representations[index] == .unsigned ? 1 : 0
            case .double:
                (size, bufferType) = (MemoryLayout<Double>.size, MYSQL_TYPE_DOUBLE)
            case .datetime:
                (size, bufferType) = (MemoryLayout<MYSQL_TIME>.size, MYSQL_TYPE_DATETIME)
            case .text, .blob, .bits:
                (size, bufferType) = (max(Int(field.max_length), 1), MYSQL_TYPE_BLOB)
            }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            buffers.append(buffer)
            binds[index].buffer_type = bufferType
            binds[index].buffer = buffer
            binds[index].buffer_length = UInt(size)
            binds[index].is_null = isNull + index
            binds[index].length = lengths + index
            binds[index].error = errors + index
        }
    }

    deinit {
        for buffer in buffers {
            buffer.deallocate()
        }
        binds.deinitialize(count: count)
        binds.deallocate()
        isNull.deallocate()
        lengths.deallocate()
        errors.deallocate()
    }

    private static func representation(of field: MYSQL_FIELD) -> Representation {
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return field.flags & UInt32(UNSIGNED_FLAG) != 0 ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .double
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP:
            return .datetime
        case MYSQL_TYPE_BIT:
            return .bits
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL, MYSQL_TYPE_TIME:
            // Fetched through a byte buffer, the library formats these as text: exact decimals
            // and "hh:mm:ss" durations (TIME can exceed 24 hours, so it is not a Date).
            return .text
        default:
            // Character set 63 is "binary": BINARY, VARBINARY, BLOB and GEOMETRY columns.
            return field.charsetnr == 63 ? .blob : .text
        }
    }

    /// Converts the current row. `truncated` is the statement when the fetch reported
    /// MYSQL_DATA_TRUNCATED: values that did not fit are then fetched again in full.
    func values(truncated stmt: UnsafeMutablePointer<MYSQL_STMT>?) -> [DatabaseValue] {
        (0..<count).map { index in
            if isNull[index] != 0 {
                return .null
            }
            let buffer = buffers[index]
            switch representations[index] {
            case .signed:
                return .int(buffer.load(as: Int64.self))
            case .unsigned:
                return .uint(buffer.load(as: UInt64.self))
            case .double:
                return .double(buffer.load(as: Double.self))
            case .datetime:
                return Self.datetime(buffer.load(as: MYSQL_TIME.self))
            case .text:
                return withBytes(at: index, stmt: stmt) { .text(String(decoding: $0, as: UTF8.self)) }
            case .blob:
                return withBytes(at: index, stmt: stmt) { .blob(Array($0)) }
            case .bits:
                return withBytes(at: index, stmt: stmt) { bytes in
                    // BIT(n) arrives as big-endian bytes, at most 8.
                    let value = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    return Int64(exactly: value).map(DatabaseValue.int) ?? .uint(value)
                }
            }
        }
    }

    /// Calls `body` with the column's complete bytes, refetching with a buffer of the full
    /// length when the value was longer than the bound buffer.
    private func withBytes(
        at index: Int, stmt: UnsafeMutablePointer<MYSQL_STMT>?, _ body: (UnsafeRawBufferPointer) -> DatabaseValue
    ) -> DatabaseValue {
        let length = Int(lengths[index])
        let capacity = Int(binds[index].buffer_length)
        guard length > capacity, let stmt else {
            return body(UnsafeRawBufferPointer(start: buffers[index], count: min(length, capacity)))
        }
        let full = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 1)
        defer { full.deallocate() }
        var fetchedLength: UInt = 0
        var fetchedNull: my_bool = 0
        var bind = MYSQL_BIND()
        bind.buffer_type = MYSQL_TYPE_BLOB
        bind.buffer = full
        bind.buffer_length = UInt(length)
        return withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
            withUnsafeMutablePointer(to: &fetchedNull) { nullPointer in
                bind.length = lengthPointer
                bind.is_null = nullPointer
                guard mysql_stmt_fetch_column(stmt, &bind, UInt32(index), 0) == 0 else {
                    // The row is already in client memory, so this cannot fail short of a
                    // library bug; the truncated prefix is still better than a crash.
                    return body(UnsafeRawBufferPointer(start: buffers[index], count: capacity))
                }
                return body(UnsafeRawBufferPointer(start: full, count: min(Int(lengthPointer.pointee), length)))
            }
        }
    }

    private static func datetime(_ time: MYSQL_TIME) -> DatabaseValue {
        guard (1...12).contains(time.month), (1...31).contains(time.day) else {
            // A zero date or one with a zero part (2024-00-00) names no instant. Strict sql_mode
            // keeps new ones out, but old rows may hold one: returned as text so that decoding
            // it as a Date fails loudly instead of yielding a wrong instant.
            func padded(_ value: UInt32, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return .text(
                "\(padded(time.year, 4))-\(padded(time.month, 2))-\(padded(time.day, 2)) "
                    + "\(padded(time.hour, 2)):\(padded(time.minute, 2)):\(padded(time.second, 2))"
            )
        }
        let civil = CivilTime(
            year: Int(time.year), month: Int(time.month), day: Int(time.day),
            hour: Int(time.hour), minute: Int(time.minute), second: Int(time.second),
            microsecond: Int(time.second_part)
        )
        return .datetime(civil.date)
    }
}

extension MYSQL_TIME {
    /// A DATETIME value from UTC calendar fields.
    fileprivate init(_ civil: CivilTime) {
        self.init()
        year = UInt32(civil.year)
        month = UInt32(civil.month)
        day = UInt32(civil.day)
        hour = UInt32(civil.hour)
        minute = UInt32(civil.minute)
        second = UInt32(civil.second)
        second_part = UInt(civil.microsecond)
        time_type = MYSQL_TIMESTAMP_DATETIME
    }
}
