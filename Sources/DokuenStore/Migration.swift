/// One step of the schema's history: the SQL that takes the database from `version - 1` to `version`.
///
/// Once a migration has shipped its SQL is never edited (GRDB's Migrations.md): databases in the field have
/// already run it, so a change goes into a new migration appended to `Migrations.all`.
struct Migration: Sendable {
    /// The `PRAGMA user_version` the database has after this migration.
    let version: Int
    /// A few words for logs and errors.
    let name: String
    /// One or more statements, run in one transaction.
    let sql: String
}
