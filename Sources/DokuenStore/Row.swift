import DokuenCore

/// One result row of `Database.query`, read by column name.
///
/// A column name that the query does not have is a bug in our SQL, so it traps. A value of the wrong type
/// or one that fails DokuenCore's validation is a condition (a database edited by hand, say), so it throws.
struct Row {
    /// The result's column names, shared by every row of one query.
    let columns: [String]
    let values: [SQLValue]

    subscript(column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else {
            preconditionFailure("no column \(column) in a result with columns \(columns)")
        }
        return values[index]
    }

    func int64(_ column: String) throws(StoreError) -> Int64 {
        guard case .integer(let value) = self[column] else { throw mismatch(column, "an integer") }
        return value
    }

    func optionalInt64(_ column: String) throws(StoreError) -> Int64? {
        if case .null = self[column] { return nil }
        return try int64(column)
    }

    func int(_ column: String) throws(StoreError) -> Int {
        let value = try int64(column)
        guard let int = Int(exactly: value) else { throw mismatch(column, "an Int") }
        return int
    }

    func bool(_ column: String) throws(StoreError) -> Bool {
        switch try int64(column) {
        case 0: return false
        case 1: return true
        default: throw mismatch(column, "0 or 1")
        }
    }

    func text(_ column: String) throws(StoreError) -> String {
        guard case .text(let value) = self[column] else { throw mismatch(column, "text") }
        return value
    }

    func optionalText(_ column: String) throws(StoreError) -> String? {
        if case .null = self[column] { return nil }
        return try text(column)
    }

    func appName(_ column: String) throws(StoreError) -> AppName {
        try validated(column) { text throws(CoreError) in try AppName(text) }
    }

    func optionalAppName(_ column: String) throws(StoreError) -> AppName? {
        if case .null = self[column] { return nil }
        return try appName(column)
    }

    func processType(_ column: String) throws(StoreError) -> ProcessType {
        try validated(column) { text throws(CoreError) in try ProcessType(text) }
    }

    func envKey(_ column: String) throws(StoreError) -> EnvKey {
        try validated(column) { text throws(CoreError) in try EnvKey(text) }
    }

    func buildStamp(_ column: String) throws(StoreError) -> BuildStamp {
        try validated(column) { text throws(CoreError) in try BuildStamp(text) }
    }

    func releaseID(_ column: String) throws(StoreError) -> ReleaseID {
        let number = try int(column)
        do { return try ReleaseID(number: number) } catch {
            throw .invalidStoredValue(column: column, value: String(number), reason: error.description)
        }
    }

    func optionalReleaseID(_ column: String) throws(StoreError) -> ReleaseID? {
        if case .null = self[column] { return nil }
        return try releaseID(column)
    }

    private func validated<T>(_ column: String, _ parse: (String) throws(CoreError) -> T) throws(StoreError) -> T {
        let text = try text(column)
        do { return try parse(text) } catch {
            throw .invalidStoredValue(column: column, value: self[column].summary, reason: error.description)
        }
    }

    private func mismatch(_ column: String, _ expected: String) -> StoreError {
        .invalidStoredValue(column: column, value: self[column].summary, reason: "expected \(expected)")
    }
}
