import DokuenCore

extension Store {
    /// Puts `app` in maintenance (nginx answers 503 with its page, its processes keep running) or takes it out.
    /// Returns whether that changed anything; each change is an event (`maintenance.on`, `maintenance.off`).
    @discardableResult
    public func setMaintenance(app: AppName, on: Bool, actor: String) throws(StoreError) -> Bool {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let changed =
                on
                ? try database.run(
                    "INSERT OR IGNORE INTO app_maintenance (app_id, created_at) VALUES (?, ?)",
                    [.integer(appID), .integer(now)])
                : try database.run("DELETE FROM app_maintenance WHERE app_id = ?", [.integer(appID)])
            guard changed > 0 else { return false }
            try recordEvent(actor: actor, app: app, action: on ? "maintenance.on" : "maintenance.off", detail: "")
            return true
        }
    }

    /// Whether `app` is in maintenance.
    public func inMaintenance(app: AppName) throws(StoreError) -> Bool {
        let appID = try appID(app)
        return try !database.query("SELECT 1 FROM app_maintenance WHERE app_id = ?", [.integer(appID)]).isEmpty
    }
}
