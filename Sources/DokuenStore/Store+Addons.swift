import DokuenCore

/// An add-on as the store has it (docs/ADDONS.md).
public struct AddonRecord: Equatable, Sendable {
    public let name: AppName
    public let kind: AddonKind
    /// The 127.0.0.1 port its server listens on, taken from the instances' range.
    public let port: Int
    /// The server's major version at create (`15`, `7`): the data is never started with other binaries.
    public let version: String
    public let createdAt: Int64
    /// Stopped by `dokuen stop addon:NAME` (or `stop all`): dokuend neither starts nor tends it until `dokuen start`.
    public var stopped = false
}

/// One app linked to an add-on: `<alias>_URL` is in its config.
public struct AddonLinkRecord: Equatable, Sendable {
    public let addon: AppName
    public let app: AppName
    public let alias: AddonAlias
    /// Whether the app restarts after its add-on restarted.
    public let follow: Bool
    public let createdAt: Int64
}

extension Store {
    /// Records a new add-on on the lowest port of `range` that no instance leases, no other add-on has and that is
    /// not in `busy`. Fails with `addonExists` when the name is taken.
    public func createAddon(
        _ name: AppName, kind: AddonKind, version: String, range: ClosedRange<Int> = defaultPortRange,
        busy: Set<Int> = [], actor: String
    ) throws(StoreError) -> AddonRecord {
        guard range.lowerBound >= 1, range.upperBound <= 65_535 else { throw .invalidPortRange(range) }
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            if try addon(named: name) != nil { throw .addonExists(name) }
            var taken: Set<Int> = busy
            for row in try database.query(
                "SELECT port FROM port_leases UNION SELECT port FROM addons", [])
            {
                taken.insert(try row.int("port"))
            }
            guard let port = range.first(where: { !taken.contains($0) }) else {
                throw .portsExhausted(instance: "addon:\(name)", range: range)
            }
            try database.run(
                "INSERT INTO addons (name, kind, port, version, created_at) VALUES (?, ?, ?, ?, ?)",
                [.text(name.rawValue), .text(kind.rawValue), .int(port), .text(version), .integer(now)])
            try recordEvent(
                actor: actor, app: nil, action: "addon.create", detail: "\(name) \(kind) \(version) on port \(port)")
            return AddonRecord(name: name, kind: kind, port: port, version: version, createdAt: now)
        }
    }

    /// Stops or starts an add-on as desired state (`dokuen stop|start addon:NAME`), kept across restarts.
    public func setAddonStopped(_ name: AppName, stopped: Bool, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let changed = try database.run(
                "UPDATE addons SET stopped = ? WHERE name = ?", [.integer(stopped ? 1 : 0), .text(name.rawValue)])
            if changed == 0 { throw .addonNotFound(name) }
            try recordEvent(actor: actor, app: nil, action: stopped ? "addon.stop" : "addon.start", detail: "\(name)")
        }
    }

    public func addon(named name: AppName) throws(StoreError) -> AddonRecord? {
        try addons(where: "WHERE name = ?", [.text(name.rawValue)]).first
    }

    /// Every add-on, by name.
    public func addons() throws(StoreError) -> [AddonRecord] { try addons(where: "", []) }

    /// Forgets an add-on and its links (the caller stopped its server and unlinked what had to be).
    public func destroyAddon(_ name: AppName, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            guard try addon(named: name) != nil else { throw .addonNotFound(name) }
            try database.run("DELETE FROM addons WHERE name = ?", [.text(name.rawValue)])
            try recordEvent(actor: actor, app: nil, action: "addon.destroy", detail: name.rawValue)
        }
    }

    /// Records that `app` is linked to `addon` as `alias`. Fails with `addonLinkExists` when it already is, and
    /// with `conflict`-coded `addonLinkExists` too when another link of the app uses the same alias.
    @discardableResult
    public func linkAddon(_ addon: AppName, app: AppName, alias: AddonAlias, follow: Bool, actor: String)
        throws(StoreError) -> AddonLinkRecord
    {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let addonID = try addonID(addon)
            let appID = try appID(app)
            if try !database.query(
                "SELECT 1 AS one FROM addon_links WHERE (addon_id = ? AND app_id = ?) OR (app_id = ? AND alias = ?)",
                [.integer(addonID), .integer(appID), .integer(appID), .text(alias.rawValue)]
            ).isEmpty {
                throw .addonLinkExists(addon: addon, app: app)
            }
            try database.run(
                "INSERT INTO addon_links (addon_id, app_id, alias, follow, created_at) VALUES (?, ?, ?, ?, ?)",
                [.integer(addonID), .integer(appID), .text(alias.rawValue), .integer(follow ? 1 : 0), .integer(now)])
            try recordEvent(actor: actor, app: app, action: "addon.link", detail: "\(addon) as \(alias.key)")
            return AddonLinkRecord(addon: addon, app: app, alias: alias, follow: follow, createdAt: now)
        }
    }

    public func unlinkAddon(_ addon: AppName, app: AppName, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let addonID = try addonID(addon)
            let appID = try appID(app)
            guard
                try !database.query(
                    "SELECT 1 AS one FROM addon_links WHERE addon_id = ? AND app_id = ?",
                    [.integer(addonID), .integer(appID)]
                ).isEmpty
            else { throw .addonLinkNotFound(addon: addon, app: app) }
            try database.run(
                "DELETE FROM addon_links WHERE addon_id = ? AND app_id = ?", [.integer(addonID), .integer(appID)])
            try recordEvent(actor: actor, app: app, action: "addon.unlink", detail: addon.rawValue)
        }
    }

    /// The links of `addon`, or every link, by app.
    public func addonLinks(addon: AppName? = nil) throws(StoreError) -> [AddonLinkRecord] {
        var filter = ""
        var values: [SQLValue] = []
        if let addon {
            filter = "WHERE l.addon_id = ?"
            values = [.integer(try addonID(addon))]
        }
        return try database.query(
            """
            SELECT d.name AS addon, a.name AS app, l.alias, l.follow, l.created_at
            FROM addon_links l JOIN addons d ON d.id = l.addon_id JOIN apps a ON a.id = l.app_id \(filter)
            ORDER BY a.name, d.name
            """, values
        ).map { (row) throws(StoreError) in
            let aliasText = try row.text("alias")
            let alias: AddonAlias
            do throws(CoreError) { alias = try AddonAlias(aliasText) } catch {
                throw .invalidStoredValue(column: "addon_links.alias", value: aliasText, reason: error.description)
            }
            return AddonLinkRecord(
                addon: try Self.storedName(try row.text("addon")), app: try Self.storedName(try row.text("app")),
                alias: alias, follow: try row.int64("follow") != 0, createdAt: try row.int64("created_at"))
        }
    }

    func addonID(_ name: AppName) throws(StoreError) -> Int64 {
        guard let row = try database.query("SELECT id FROM addons WHERE name = ?", [.text(name.rawValue)]).first
        else { throw .addonNotFound(name) }
        return try row.int64("id")
    }

    private func addons(where filter: String, _ values: [SQLValue]) throws(StoreError) -> [AddonRecord] {
        try database.query(
            "SELECT name, kind, port, version, created_at, stopped FROM addons \(filter) ORDER BY name", values
        ).map { (row) throws(StoreError) in
            let kindText = try row.text("kind")
            guard let kind = AddonKind(rawValue: kindText) else {
                throw .invalidStoredValue(column: "addons.kind", value: kindText, reason: "not postgres or redis")
            }
            return AddonRecord(
                name: try Self.storedName(try row.text("name")), kind: kind, port: try row.int("port"),
                version: try row.text("version"), createdAt: try row.int64("created_at"),
                stopped: try row.bool("stopped"))
        }
    }

    private static func storedName(_ text: String) throws(StoreError) -> AppName {
        do throws(CoreError) { return try AppName(text) } catch {
            throw .invalidStoredValue(column: "name", value: text, reason: error.description)
        }
    }
}
