import DokuenCore

/// `dokuen restore` (docs/BACKUP.md): the rows of some apps, read from a copy of a snapshot's store (migrated forward
/// by `Store.open`, like any store), put into this one in one transaction, with new ids and without what belongs to
/// the host (port leases, the add-ons' servers).
///
/// Every table of the schema is either imported (`importedTables`) or named as not restored (`notRestoredTables`),
/// and a test fails when a table is neither: a future table cannot be silently forgotten by restores.
extension Store {
    /// One app-scoped table and how its rows come over: `ids` maps a column to the table whose id it holds (its
    /// value moves by that table's offset), `expressions` replaces a column's value by an expression over the
    /// snapshot's row `s`, and `filter` picks the rows of the restored apps (`{apps}`: their ids in the snapshot).
    struct ImportedTable: Sendable {
        var name: String
        var ids: [String: String] = [:]
        var expressions: [String: String] = [:]
        var filter: String
    }

    /// The tables a restore imports, parents first, so that foreign keys hold at each insert.
    static let importedTables: [ImportedTable] = [
        ImportedTable(name: "apps", ids: ["id": "apps"], filter: "s.id IN {apps}"),
        ImportedTable(name: "builds", ids: ["id": "builds", "app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(
            name: "build_processes", ids: ["build_id": "builds"],
            filter: "s.build_id IN (SELECT id FROM snapshot.builds WHERE app_id IN {apps})"),
        ImportedTable(
            name: "build_config_vars", ids: ["build_id": "builds"],
            filter: "s.build_id IN (SELECT id FROM snapshot.builds WHERE app_id IN {apps})"),
        ImportedTable(
            name: "releases", ids: ["id": "releases", "app_id": "apps", "build_id": "builds"],
            filter: "s.app_id IN {apps}"),
        ImportedTable(
            name: "release_env", ids: ["release_id": "releases"],
            filter: "s.release_id IN (SELECT id FROM snapshot.releases WHERE app_id IN {apps})"),
        ImportedTable(
            name: "release_formation", ids: ["release_id": "releases"],
            filter: "s.release_id IN (SELECT id FROM snapshot.releases WHERE app_id IN {apps})"),
        ImportedTable(name: "formation", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "process_settings", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "stopped_slots", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "domains", ids: ["id": "domains", "app_id": "apps"], filter: "s.app_id IN {apps}"),
        // A deploy the snapshot caught running ran on another host: it ended there, as far as this one knows.
        ImportedTable(
            name: "deploys", ids: ["id": "deploys", "app_id": "apps", "build_id": "builds", "release_id": "releases"],
            expressions: [
                "state": "CASE WHEN s.state = 'running' THEN 'failed' ELSE s.state END",
                "error":
                    "CASE WHEN s.state = 'running' THEN 'cut short: the backup was taken while it ran' ELSE s.error END",
                "finished_at": "COALESCE(s.finished_at, s.started_at)",
            ], filter: "s.app_id IN {apps}"),
        ImportedTable(
            name: "events", ids: ["id": "events"],
            filter: "s.app IN (SELECT name FROM snapshot.apps WHERE id IN {apps})"),
        ImportedTable(name: "app_checks", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        // The add-on was made again on this host (a new port): the link follows it by name.
        ImportedTable(
            name: "addon_links", ids: ["app_id": "apps"],
            expressions: [
                "addon_id":
                    "(SELECT m.id FROM main.addons m JOIN snapshot.addons a ON a.name = m.name WHERE a.id = s.addon_id)"
            ], filter: "s.app_id IN {apps}"),
        // A run the snapshot caught running ended with the old host: no exit, no duration.
        ImportedTable(name: "cron_runs", ids: ["id": "cron_runs", "app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "cron_suspensions", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        // Routing (docs/ROUTING.md): an app's maintenance, address rules and basic-auth users; the htpasswd file and
        // the maintenance page are written again from these rows when routing renders the app.
        ImportedTable(name: "app_maintenance", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "app_access", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        ImportedTable(name: "app_basic_auth", ids: ["app_id": "apps"], filter: "s.app_id IN {apps}"),
        // An app's automatic certificate stays automatic (docs/CERTS.md); its files come back with the app's, and the
        // new host tries again at once, with no failures of the old one counted. The base domain's wildcard
        // (app_id NULL) belongs to the host, not to an app, and is not restored: turn it on again there.
        ImportedTable(
            name: "acme_certificates", ids: ["app_id": "apps"],
            expressions: [
                "id": "NULL", "failures": "0", "last_error": "NULL", "last_attempt_at": "NULL",
                "next_attempt_at": "NULL",
            ], filter: "s.app_id IN {apps}"),
    ]

    /// The tables a restore does not import, and why.
    public static let notRestoredTables: [String: String] = [
        "port_leases": "ports are leased anew on the target (docs/BACKUP.md, Which wins)",
        "addons": "each add-on is made again by the restore (a new server, a new port), then linked by name",
        "sqlite_sequence": "SQLite's own; it follows the imported ids",
        "backup_schedule": "the target's backups are its own setting (docs/BACKUP.md, Which wins)",
        "backup_runs": "the history of the old host's backups, not of the apps",
        "proxies":
            "outside services name addresses of the old host's network; add them again with dokuen proxies add "
            + "(docs/BACKUP.md, Which wins), and their access rules with them",
        "notify_channels": "where alerts go is the target's own setting, like its backups (docs/ALERTS.md)",
        "alert_episodes": "the old host's open alerts are about the old host; the target's start afresh",
    ]

    /// The names of `importedTables`.
    public static var importedTableNames: [String] { importedTables.map(\.name) }

    /// Every table of this store's schema, by name.
    public func tableNames() throws(StoreError) -> [String] {
        try database.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map {
            (row) throws(StoreError) in try row.text("name")
        }
    }

    /// A change made to linked add-on URLs on their way in: in every release of `app`, the value of `key` has `from`
    /// replaced by `to` (the host and port of the add-on as it was, and as it is now).
    public struct URLRewrite: Sendable, Equatable {
        public var app: AppName
        public var key: String
        public var from: String
        public var to: String

        public init(app: AppName, key: String, from: String, to: String) {
            self.app = app
            self.key = key
            self.from = from
            self.to = to
        }
    }

    /// Imports the rows of `apps` from the store at `path` (a snapshot's copy, migrated to this schema), with an event
    /// `restore` (`detail`) for each, in one transaction: all of them or none. An app of the same name already here
    /// fails it (`appExists`). Ids are moved past this store's own, so nothing collides and no id is reused.
    public func importApps(
        from path: String, apps: [AppName], rewrites: [URLRewrite], actor: String, detail: String
    ) throws(StoreError) {
        guard !apps.isEmpty else { return }
        try database.run("ATTACH DATABASE ? AS snapshot", [.text(path)])
        defer { try? database.execute("DETACH DATABASE snapshot") }
        try database.transaction { () throws(StoreError) in
            let found = try database.query("PRAGMA snapshot.user_version").first?.int("user_version") ?? 0
            guard found == Self.schemaVersion else {
                throw .schemaTooOld(path: path, found: found, needed: Self.schemaVersion)
            }
            for app in apps
            where try !database.query(
                "SELECT 1 AS one FROM main.apps WHERE name = ?",
                [
                    .text(app.rawValue)
                ]
            ).isEmpty {
                throw .appExists(app)
            }
            let names = apps.map { SQLValue.text($0.rawValue) }
            let selected =
                "(SELECT id FROM snapshot.apps WHERE name IN (\(names.map { _ in "?" }.joined(separator: ", "))))"
            var offsets: [String: Int64] = [:]
            for table in Set(Self.importedTables.flatMap { $0.ids.values }) {
                offsets[table] = try offset(of: table)
            }
            for table in Self.importedTables {
                let columns = try database.query("PRAGMA main.table_info(\(table.name))").map {
                    (row) throws(StoreError) in try row.text("name")
                }
                let values = columns.map { column -> String in
                    if let expression = table.expressions[column] { return expression }
                    if let source = table.ids[column] { return "s.\(column) + \(offsets[source] ?? 0)" }
                    return "s.\(column)"
                }
                // Each filter names the restored apps once.
                let parts = table.filter.split(separator: "{apps}", omittingEmptySubsequences: false)
                let filter = parts.joined(separator: selected)
                try database.run(
                    "INSERT INTO main.\(table.name) (\(columns.joined(separator: ", "))) SELECT "
                        + "\(values.joined(separator: ", ")) FROM snapshot.\(table.name) s WHERE \(filter)",
                    Array(repeating: names, count: parts.count - 1).flatMap { $0 })
            }
            for rewrite in rewrites {
                try database.run(
                    """
                    UPDATE main.release_env SET value = replace(value, ?, ?) WHERE key = ? AND release_id IN
                        (SELECT r.id FROM main.releases r JOIN main.apps a ON a.id = r.app_id WHERE a.name = ?)
                    """,
                    [.text(rewrite.from), .text(rewrite.to), .text(rewrite.key), .text(rewrite.app.rawValue)])
            }
            for app in apps { try recordEvent(actor: actor, app: app, action: "restore", detail: detail) }
        }
    }

    /// How far the ids of `table` move on their way in: past the highest this store has used.
    private func offset(of table: String) throws(StoreError) -> Int64 {
        let row = try database.query(
            """
            SELECT max(coalesce((SELECT max(id) FROM main.\(table)), 0),
                coalesce((SELECT seq FROM main.sqlite_sequence WHERE name = ?), 0)) AS next
            """, [.text(table)]
        ).first
        return try row?.int64("next") ?? 0
    }
}
