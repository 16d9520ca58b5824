import CSQLite

/// One connection to a SQLite database: a thin wrapper over the system libsqlite3.
///
/// Not GRDB: this wrapper builds in seconds rather than tens of seconds, and it pulls in no Foundation
/// (docs/STACK-NOTES.md §1.2). It is not Sendable; `Store` confines it to its actor, which is also why the connection
/// is opened with SQLITE_OPEN_NOMUTEX: SQLite's own mutex would only guard what the actor already serializes.
///
/// Every prepared statement is finalized before the call that prepared it returns, and every failure carries
/// the failing SQL (`SQLiteFailure`).
final class Database {
    /// The database file.
    let path: String
    private var handle: OpaquePointer?

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    static let busyTimeoutMilliseconds: Int32 = 5_000

    private init(path: String, handle: OpaquePointer) {
        self.path = path
        self.handle = handle
    }

    deinit { close() }

    /// Opens (and, unless `readOnly`, creates) the database at `path` and sets it up: WAL, foreign keys on,
    /// `synchronous=FULL`. A read-only connection only reads; it never changes the journal mode.
    static func open(path: String, readOnly: Bool = false) throws(StoreError) -> Database {
        var opened: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let rc = sqlite3_open_v2(path, &opened, access | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let opened else {
            // Even a failed open usually returns a handle that holds the message, and it must be closed.
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(opened)
            throw .openFailed(path: path, SQLiteFailure(sql: path, extendedCode: rc, message: message))
        }
        let database = Database(path: path, handle: opened)
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, busyTimeoutMilliseconds)
        if readOnly {
            try database.execute("PRAGMA foreign_keys = ON; PRAGMA query_only = ON")
            return database
        }
        // WAL lets readers run beside the one writer, and a commit is one append to the -wal file.
        // The pragma answers with the mode now in force; on some file systems it silently stays "delete".
        let mode = try database.query("PRAGMA journal_mode = WAL").first?.text("journal_mode") ?? "unknown"
        guard mode == "wal" else { throw .walUnavailable(path: path, journalMode: mode) }
        // Foreign keys are off by default in SQLite, per connection. synchronous=FULL fsyncs the WAL at each
        // commit: with NORMAL, a power cut may lose the last commits, and docs/DESIGN.md invariant 2 says a crash
        // loses no committed config.
        try database.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL")
        return database
    }

    /// Closes the connection. Later calls fail with `StoreError.closed`. Closing twice is harmless.
    func close() {
        guard let handle else { return }
        // close_v2 never fails with SQLITE_BUSY: it finishes once the last statement is finalized.
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// The rowid of the last row inserted through this connection.
    var lastInsertRowID: Int64 {
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Runs a script of one or more statements without parameters (schema, pragmas). Any rows are dropped.
    /// It goes statement by statement rather than through sqlite3_exec, so that an error names the one
    /// statement that failed, not the whole script.
    func execute(_ script: String) throws(StoreError) {
        guard let handle else { throw .closed }
        let bytes = Array(script.utf8CString)
        try bytes.withUnsafeBufferPointer { (buffer) throws(StoreError) in
            var start = buffer.baseAddress!
            while start.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, start, -1, &statement, &tail)
                let end = tail ?? start
                let sql = trimmed(
                    String(decoding: UnsafeRawBufferPointer(start: start, count: end - start), as: UTF8.self))
                guard rc == SQLITE_OK else { throw failure(rc, sql: String(sql)) }
                // A statement of only whitespace or comments prepares to nil.
                if let statement {
                    defer { sqlite3_finalize(statement) }
                    try step(statement, sql: String(sql)) { _ in }
                }
                guard end > start else { break }
                start = end
            }
        }
    }

    /// Runs one statement with `values` bound to its parameters, and returns the number of rows it changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int {
        try withStatement(sql, values) { (statement) throws(StoreError) in
            try step(statement, sql: sql) { _ in }
            return Int(sqlite3_changes(handle))
        }
    }

    /// Runs one statement with `values` bound to its parameters, and returns its rows.
    func query(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> [Row] {
        try withStatement(sql, values) { (statement) throws(StoreError) in
            let count = sqlite3_column_count(statement)
            let columns = (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }
            var rows: [Row] = []
            try step(statement, sql: sql) { statement in
                rows.append(Row(columns: columns, values: (0..<count).map { Self.column(statement, $0) }))
            }
            return rows
        }
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// BEGIN IMMEDIATE takes the write lock at once. A deferred transaction that reads first and writes later
    /// can fail with SQLITE_BUSY at its first write, which busy_timeout does not retry
    /// (https://www.sqlite.org/lang_transaction.html). `body` must not suspend: the actor's serial access is
    /// what keeps a second transaction from starting inside this one.
    @discardableResult
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // Some errors (SQLITE_FULL, SQLITE_IOERR…) roll the transaction back by themselves; only roll back
            // what is still open, so the first error is the one reported.
            if let handle, sqlite3_get_autocommit(handle) == 0 { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Copies the whole database to a new file at `path` through SQLite's online backup API
    /// (https://www.sqlite.org/backup.html): one `sqlite3_backup_step(-1)` copies every page inside one read
    /// transaction, so the copy is a consistent state even while other connections write (WAL lets them). A busy or
    /// locked source (another connection's write in a rollback-journal database) is tried again for up to
    /// `busyTimeoutMilliseconds`. The copy is a plain database in rollback-journal mode (no -wal beside it).
    func copy(to path: String) throws(StoreError) {
        guard let handle else { throw .closed }
        var opened: OpaquePointer?
        let rc = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let target = opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(opened)
            throw .openFailed(path: path, SQLiteFailure(sql: path, extendedCode: rc, message: message))
        }
        defer { sqlite3_close_v2(target) }
        let sql = "sqlite3_backup_step(-1) to \(path)"
        var waited: Int32 = 0
        while true {
            guard let backup = sqlite3_backup_init(target, "main", handle, "main") else {
                let code = sqlite3_extended_errcode(target)
                throw .sql(
                    SQLiteFailure(sql: sql, extendedCode: code, message: String(cString: sqlite3_errmsg(target))))
            }
            let step = sqlite3_backup_step(backup, -1)
            let finish = sqlite3_backup_finish(backup)
            if step == SQLITE_DONE && finish == SQLITE_OK { break }
            let primary = step & 0xff
            if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && waited < Self.busyTimeoutMilliseconds {
                sqlite3_sleep(50)
                waited += 50
                continue
            }
            let code = step == SQLITE_DONE ? finish : step
            throw .sql(SQLiteFailure(sql: sql, extendedCode: code, message: String(cString: sqlite3_errstr(code))))
        }
        // The copy keeps the source's journal mode in its header; a snapshot file is read alone, without a -wal.
        let mode = SQLITE_OK == sqlite3_exec(target, "PRAGMA journal_mode = DELETE", nil, nil, nil)
        if !mode {
            throw .sql(
                SQLiteFailure(
                    sql: "PRAGMA journal_mode = DELETE", extendedCode: sqlite3_extended_errcode(target),
                    message: String(cString: sqlite3_errmsg(target))))
        }
    }

    /// `PRAGMA user_version`: the schema version the migrations have reached.
    func userVersion() throws(StoreError) -> Int {
        try query("PRAGMA user_version").first?.int("user_version") ?? 0
    }

    // MARK: - Statements

    /// `sql` without the whitespace around it, which `execute` carries over from the script.
    private func trimmed(_ sql: String) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        guard let first = sql.firstIndex(where: { !isSpace($0) }), let last = sql.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return sql[first...last]
    }

    private func withStatement<T>(
        _ sql: String, _ values: [SQLValue], _ body: (OpaquePointer) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        guard let handle else { throw .closed }
        var prepared: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &prepared, nil)
        guard rc == SQLITE_OK else { throw failure(rc, sql: sql) }
        guard let statement = prepared else {
            throw .sql(SQLiteFailure(sql: sql, extendedCode: SQLITE_MISUSE, message: "the SQL holds no statement"))
        }
        defer { sqlite3_finalize(statement) }
        // SQLite binds missing parameters as NULL without a word; a count mismatch is a bug worth a loud error.
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == values.count else {
            throw .sql(
                SQLiteFailure(
                    sql: sql, extendedCode: SQLITE_RANGE,
                    message: "the statement has \(expected) parameters but \(values.count) values were given"))
        }
        for (offset, value) in values.enumerated() {
            let rc = Self.bind(value, to: statement, at: Int32(offset + 1))
            guard rc == SQLITE_OK else { throw failure(rc, sql: sql) }
        }
        return try body(statement)
    }

    private func step(_ statement: OpaquePointer, sql: String, onRow: (OpaquePointer) -> Void) throws(StoreError) {
        while true {
            let rc = sqlite3_step(statement)
            switch rc {
            case SQLITE_ROW: onRow(statement)
            case SQLITE_DONE: return
            default: throw failure(rc, sql: sql)
            }
        }
    }

    private func failure(_ rc: Int32, sql: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
        return .sql(SQLiteFailure(sql: sql, extendedCode: rc, message: message))
    }

    /// SQLITE_TRANSIENT (SQLite copies the bytes at once) is a macro Swift cannot import (docs/STACK-NOTES.md §4.11).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func bind(_ value: SQLValue, to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .integer(let value):
            return sqlite3_bind_int64(statement, index, value)
        case .real(let value):
            return sqlite3_bind_double(statement, index, value)
        case .text(let value):
            // With an explicit byte count, so a NUL inside the text is stored rather than ending it (the schema's
            // CHECKs must see it to refuse it). An empty buffer may have no address, and a nil pointer would bind
            // NULL, not ''.
            var value = value
            return value.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, utf8.count > 0 else {
                    return sqlite3_bind_text(statement, index, "", 0, transient)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(statement, index, $0, Int32(utf8.count), transient)
                }
            }
        case .blob(let bytes):
            return bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress, raw.count > 0 else {
                    return sqlite3_bind_zeroblob(statement, index, 0)
                }
                return sqlite3_bind_blob(statement, index, base, Int32(raw.count), transient)
            }
        }
    }

    private static func column(_ statement: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            // column_text before column_bytes, as https://www.sqlite.org/c3ref/column_blob.html asks.
            guard let text = sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(statement, index) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(statement, index))
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            return .null
        }
    }
}
