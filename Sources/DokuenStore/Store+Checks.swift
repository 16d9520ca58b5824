import DokuenCore

extension Store {
    /// The HTTP check `dokuen checks set` gave `app`, or nil when it has none (app.json's checks then apply).
    public func healthCheck(app: AppName) throws(StoreError) -> HealthCheck? {
        let rows = try database.query(
            "SELECT key, value FROM app_checks WHERE app_id = ? AND key != ?",
            [.integer(try appID(app)), .text(Self.autoRollbackKey)])
        guard !rows.isEmpty else { return nil }
        var check = HealthCheck()
        for row in rows {
            let name = try row.text("key")
            let value = try row.text("value")
            do throws(CoreError) { try check.set(try HealthCheck.key(name), to: value) } catch {
                throw .invalidStoredValue(column: "app_checks.\(name)", value: value, reason: error.description)
            }
        }
        return check
    }

    /// Sets the keys in `set` and unsets those in `unset` of `app`'s HTTP check, in one transaction with one
    /// event; `clear` removes the whole check first. A key in both is an error; nothing changes on any error.
    /// Returns the check after the change, nil when no key is left set.
    @discardableResult
    public func changeHealthCheck(
        app: AppName, set: [HealthCheck.Key: String], unset: Set<HealthCheck.Key>, clear: Bool = false,
        actor: String
    ) throws(StoreError) -> HealthCheck? {
        if let both = set.keys.sorted().first(where: { unset.contains($0) }) {
            throw .core(.invalidSetting("\(both)", reason: "it is both set and unset; give it once"))
        }
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            var check = (clear ? nil : try healthCheck(app: app)) ?? HealthCheck()
            var changes: [String] = clear ? ["cleared"] : []
            // `--clear` removes the HTTP check, not auto_rollback, which is kept beside it.
            if clear {
                try database.run(
                    "DELETE FROM app_checks WHERE app_id = ? AND key != ?",
                    [.integer(appID), .text(Self.autoRollbackKey)])
            }
            for (key, text) in set.sorted(by: { $0.key < $1.key }) {
                do throws(CoreError) { try check.set(key, to: text) } catch { throw .core(error) }
                try database.run(
                    """
                    INSERT INTO app_checks (app_id, key, value) VALUES (?, ?, ?)
                    ON CONFLICT (app_id, key) DO UPDATE SET value = excluded.value
                    """, [.integer(appID), .text(key.rawValue), .text(check.value(key))])
                changes.append("\(key)=\(check.value(key))")
            }
            for key in unset.sorted() {
                check.unset(key)
                try database.run(
                    "DELETE FROM app_checks WHERE app_id = ? AND key = ?", [.integer(appID), .text(key.rawValue)])
                changes.append("unset \(key)")
            }
            try recordEvent(
                actor: actor, app: app, action: "checks.change",
                detail: changes.isEmpty ? "no change" : changes.joined(separator: ", "))
            return check.explicitKeys.isEmpty ? nil : check
        }
    }

    /// `dokuen checks set APP auto_rollback=SECONDS` is kept as a row of `app_checks` beside the HTTP check's keys
    /// (no migration: the table holds an app's checks settings, and its key CHECK allows it).
    static let autoRollbackKey = "auto_rollback"

    /// How many seconds after a cutover a crash-looping or dead release of `app` is rolled back; nil when off.
    public func autoRollback(app: AppName) throws(StoreError) -> Int? {
        let rows = try database.query(
            "SELECT value FROM app_checks WHERE app_id = ? AND key = ?",
            [.integer(try appID(app)), .text(Self.autoRollbackKey)])
        guard let text = try rows.first?.text("value") else { return nil }
        guard let seconds = Int(text), seconds > 0 else {
            throw .invalidStoredValue(column: "app_checks.auto_rollback", value: text, reason: "not a whole number")
        }
        return seconds
    }

    /// Sets (a number of seconds) or turns off (nil) `app`'s auto-rollback, with an event.
    public func setAutoRollback(app: AppName, seconds: Int?, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            if let seconds {
                try database.run(
                    """
                    INSERT INTO app_checks (app_id, key, value) VALUES (?, ?, ?)
                    ON CONFLICT (app_id, key) DO UPDATE SET value = excluded.value
                    """, [.integer(appID), .text(Self.autoRollbackKey), .text(String(seconds))])
            } else {
                try database.run(
                    "DELETE FROM app_checks WHERE app_id = ? AND key = ?",
                    [.integer(appID), .text(Self.autoRollbackKey)])
            }
            try recordEvent(
                actor: actor, app: app, action: "checks.change",
                detail: seconds.map { "auto_rollback=\($0)" } ?? "auto_rollback off")
        }
    }

    /// Whether a cutover of `app` starts the new instances before stopping the old ones (the default), or stops
    /// first (`dokuen checks disable`).
    public func zeroDowntime(app: AppName) throws(StoreError) -> Bool {
        let rows = try database.query("SELECT zero_downtime FROM apps WHERE id = ?", [.integer(try appID(app))])
        return try rows.first?.int64("zero_downtime") != 0
    }

    public func setZeroDowntime(app: AppName, _ on: Bool, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            try database.run(
                "UPDATE apps SET zero_downtime = ? WHERE id = ?", [.integer(on ? 1 : 0), .integer(try appID(app))])
            try recordEvent(
                actor: actor, app: app, action: on ? "checks.enable" : "checks.disable",
                detail: on ? "zero-downtime cutovers" : "cutovers stop the old instances first")
        }
    }
}
