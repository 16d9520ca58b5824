/// What SQLite said when a statement failed: the statement, the result code and `sqlite3_errmsg`.
///
/// The SQL text is kept whole so that a log names exactly what failed. Bound values are not kept: they may be
/// secrets (release env values), and the statement with its `?` placeholders is what a reader needs.
public struct SQLiteFailure: Equatable, Sendable, CustomStringConvertible {
    /// The failing statement, or the database path when opening failed.
    public let sql: String
    /// The extended result code (https://www.sqlite.org/rescode.html), e.g. 2067 for SQLITE_CONSTRAINT_UNIQUE.
    public let extendedCode: Int32
    /// `sqlite3_errmsg` at the time of the failure, e.g. `UNIQUE constraint failed: apps.name`.
    public let message: String

    public init(sql: String, extendedCode: Int32, message: String) {
        self.sql = sql
        self.extendedCode = extendedCode
        self.message = message
    }

    /// The primary result code, e.g. 19 (SQLITE_CONSTRAINT).
    public var code: Int32 { extendedCode & 0xFF }

    // The extended constraint codes are macros built with `|` and `<<`, which Swift does not import.
    static let constraintCheck: Int32 = 275  // SQLITE_CONSTRAINT_CHECK
    static let constraintForeignKey: Int32 = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
    static let constraintNotNull: Int32 = 1299  // SQLITE_CONSTRAINT_NOTNULL
    static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT_PRIMARYKEY
    static let constraintTrigger: Int32 = 1811  // SQLITE_CONSTRAINT_TRIGGER
    static let constraintUnique: Int32 = 2067  // SQLITE_CONSTRAINT_UNIQUE

    /// A UNIQUE or PRIMARY KEY violation: the row's key is taken.
    public var isUniqueViolation: Bool {
        extendedCode == Self.constraintUnique || extendedCode == Self.constraintPrimaryKey
    }

    /// `UNIQUE constraint failed: apps.name (code 19)`.
    public var description: String { "\(message) (code \(code))" }

    /// The statement as it reads in a one-line error: whitespace runs folded, long statements cut.
    public var shortSQL: String {
        var out = ""
        var length = 0
        var pendingSpace = false
        for character in sql {
            if character == " " || character == "\n" || character == "\t" || character == "\r" {
                pendingSpace = !out.isEmpty
                continue
            }
            if length == 200 { return out + "…" }
            if pendingSpace {
                out.append(" ")
                length += 1
            }
            pendingSpace = false
            out.append(character)
            length += 1
        }
        return out
    }
}
