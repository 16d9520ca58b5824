/// One value bound to a statement parameter or read from a result column, with SQLite's five storage classes
/// (https://www.sqlite.org/datatype3.html). The schema's tables are STRICT, so a column always reads back as the
/// class it was declared with, or as `null` where it is nullable.
enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// `.text`, or `.null` for nil: for nullable TEXT columns.
    static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }

    /// `.integer`, or `.null` for nil: for nullable INTEGER columns.
    static func integer(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }

    /// `.integer` from an `Int`, the type Swift code counts in.
    static func int(_ value: Int) -> SQLValue { .integer(Int64(value)) }

    /// How the value appears in an error message. Text is cut short: a stored value may be long, or secret.
    var summary: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .text(let value): value.count > 40 ? "text of \(value.utf8.count) bytes" : "'\(value)'"
        case .blob(let bytes): "blob of \(bytes.count) bytes"
        }
    }
}
