import DokuenAPI
import DokuenCore
import DokuenStore

/// A restore's side of add-ons (docs/BACKUP.md): a restored app's PostgreSQL role and database, made again with the
/// password its URL already carries, so that the app's config keeps its value (only the port may change).
extension AddonSupervisor {
    /// Makes (or updates) `app`'s role with `password` and its empty database on `addon`; the link is already in the
    /// store (imported with the app), and the dump restores into the database next.
    func restoreLink(_ addon: AppName, app: AppName, password: String) async throws {
        guard let record = try await store.addon(named: addon) else { throw StoreError.addonNotFound(addon) }
        guard record.kind == .postgres else { return }
        guard !password.isEmpty, password.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw APIError(
                .invalid,
                "unable to restore \(app)'s link to \(addon): its URL carries no password that dokuen made")
        }
        try await psql(record, Self.roleAndDatabase(app, password: password))
    }
}
