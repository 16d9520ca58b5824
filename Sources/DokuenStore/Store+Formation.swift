import DokuenCore

extension Store {
    /// Sets the count of each type in `formation`, leaving other types and every stopped flag as they are
    /// (`ps scale web=3` touches only web). Whether the current release has the type is the caller's policy.
    public func setFormation(app: AppName, _ formation: Formation, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            for scale in formation.scales {
                try database.run(
                    """
                    INSERT INTO formation (app_id, type, count) VALUES (?, ?, ?)
                    ON CONFLICT (app_id, type) DO UPDATE SET count = excluded.count
                    """, [.integer(appID), .text(scale.type.rawValue), .int(scale.count)])
            }
            try recordEvent(actor: actor, app: app, action: "formation.scale", detail: formation.description)
        }
    }

    /// The formation of `app`, by type.
    public func formation(app: AppName) throws(StoreError) -> [FormationRecord] {
        try database.query(
            "SELECT type, count, stopped FROM formation WHERE app_id = ? ORDER BY type", [.integer(try appID(app))]
        ).map { (row) throws(StoreError) in
            FormationRecord(
                app: app, type: try row.processType("type"), count: try row.int("count"),
                stopped: try row.bool("stopped"))
        }
    }

    /// Stops or starts one type of `app`, or all its types when `type` is nil. Fails with `formationNotFound`
    /// when `type` is not in the app's formation.
    public func setStopped(app: AppName, type: ProcessType? = nil, stopped: Bool, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let flag: SQLValue = .integer(stopped ? 1 : 0)
            if let type {
                let changed = try database.run(
                    "UPDATE formation SET stopped = ? WHERE app_id = ? AND type = ?",
                    [flag, .integer(appID), .text(type.rawValue)])
                if changed == 0 { throw .formationNotFound(app: app, type) }
            } else {
                try database.run("UPDATE formation SET stopped = ? WHERE app_id = ?", [flag, .integer(appID)])
            }
            try recordEvent(
                actor: actor, app: app, action: stopped ? "formation.stop" : "formation.start",
                detail: type?.rawValue ?? "all types")
        }
    }
}
