import DokuenCore

extension Store {
    /// The settings of one process type of `app` (`dokuen ps set`): the keys set, the others at their defaults.
    public func processSettings(app: AppName, type: ProcessType) throws(StoreError) -> ProcessSettings {
        let rows = try database.query(
            "SELECT key, value FROM process_settings WHERE app_id = ? AND type = ?",
            [.integer(try appID(app)), .text(type.rawValue)])
        return try Self.settings(from: rows)
    }

    /// The settings of every type of `app` that has at least one key set.
    public func processSettings(app: AppName) throws(StoreError) -> [ProcessType: ProcessSettings] {
        let rows = try database.query(
            "SELECT type, key, value FROM process_settings WHERE app_id = ? ORDER BY type, key",
            [.integer(try appID(app))])
        var byType: [String: [Row]] = [:]
        for row in rows { byType[try row.text("type"), default: []].append(row) }
        var result: [ProcessType: ProcessSettings] = [:]
        for (name, rows) in byType {
            let type: ProcessType
            do { type = try ProcessType(name) } catch {
                throw .invalidStoredValue(column: "type", value: name, reason: error.description)
            }
            result[type] = try Self.settings(from: rows)
        }
        return result
    }

    /// Sets the keys in `set` (raw text, checked and stored in its canonical form: `sigint` becomes `INT`) and puts
    /// the keys in `unset` back to their defaults, for one type of `app`, in one transaction with one event that
    /// names every key and value (they are not secrets). A key in both is an error; nothing changes on any error.
    /// Returns the type's settings after the change. Whether the app's release has the type is the caller's policy.
    @discardableResult
    public func changeProcessSettings(
        app: AppName, type: ProcessType, set: [ProcessSettings.Key: String], unset: Set<ProcessSettings.Key>,
        actor: String
    ) throws(StoreError) -> ProcessSettings {
        if let both = set.keys.sorted().first(where: { unset.contains($0) }) {
            throw .core(.invalidSetting("\(both)", reason: "it is both set and unset; give it once"))
        }
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            var settings = try processSettings(app: app, type: type)
            var changes: [String] = []
            for (key, text) in set.sorted(by: { $0.key < $1.key }) {
                do throws(CoreError) { try settings.set(key, to: text) } catch { throw .core(error) }
                try database.run(
                    """
                    INSERT INTO process_settings (app_id, type, key, value) VALUES (?, ?, ?, ?)
                    ON CONFLICT (app_id, type, key) DO UPDATE SET value = excluded.value
                    """, [.integer(appID), .text(type.rawValue), .text(key.rawValue), .text(settings.value(key))])
                changes.append("\(key)=\(settings.value(key))")
            }
            for key in unset.sorted() {
                settings.unset(key)
                try database.run(
                    "DELETE FROM process_settings WHERE app_id = ? AND type = ? AND key = ?",
                    [.integer(appID), .text(type.rawValue), .text(key.rawValue)])
                changes.append("unset \(key)")
            }
            try recordEvent(
                actor: actor, app: app, action: "settings.change",
                detail: "\(type): " + (changes.isEmpty ? "no change" : changes.joined(separator: ", ")))
            return settings
        }
    }

    private static func settings(from rows: [Row]) throws(StoreError) -> ProcessSettings {
        var settings = ProcessSettings()
        for row in rows {
            let name = try row.text("key")
            let value = try row.text("value")
            do throws(CoreError) {
                try settings.set(try ProcessSettings.key(name), to: value)
            } catch {
                throw .invalidStoredValue(column: "process_settings.\(name)", value: value, reason: error.description)
            }
        }
        return settings
    }
}
