import DokuenCore

extension Store {
    /// Sets the count of each type in `formation`, leaving other types and every stopped flag and slot as they are
    /// (`ps scale web=3` touches only web). Whether the current release has the type is the caller's policy.
    public func setFormation(app: AppName, _ formation: Formation, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            for scale in formation.scales {
                try database.run(
                    """
                    INSERT INTO formation (app_id, type, count, stopped)
                    VALUES (?, ?, ?, (SELECT stopped FROM apps WHERE id = ?))
                    ON CONFLICT (app_id, type) DO UPDATE SET count = excluded.count
                    """, [.integer(appID), .text(scale.type.rawValue), .int(scale.count), .integer(appID)])
            }
            try recordEvent(actor: actor, app: app, action: "formation.scale", detail: formation.description)
        }
    }

    /// The formation of `app`, by type, with each type's stopped slots.
    public func formation(app: AppName) throws(StoreError) -> [FormationRecord] {
        let appID = try appID(app)
        var slots: [String: Set<Int>] = [:]
        for row in try database.query("SELECT type, idx FROM stopped_slots WHERE app_id = ?", [.integer(appID)]) {
            slots[try row.text("type"), default: []].insert(try row.int("idx"))
        }
        return try database.query(
            "SELECT type, count, stopped FROM formation WHERE app_id = ? ORDER BY type", [.integer(appID)]
        ).map { (row) throws(StoreError) in
            let type = try row.processType("type")
            return FormationRecord(
                app: app, type: type, count: try row.int("count"), stopped: try row.bool("stopped"),
                stoppedIndexes: slots[type.rawValue] ?? [])
        }
    }

    /// Stops or starts one type of `app`, or all its types when `type` is nil. A start also starts every slot of
    /// what it names that was stopped on its own. Without a type, the app's own flag is set too: a type that a
    /// later release adds comes stopped while it is (`AppRecord.stopped`). Fails with `formationNotFound` when `type` is not in the app's
    /// formation.
    public func setStopped(app: AppName, type: ProcessType? = nil, stopped: Bool, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let flag: SQLValue = .integer(stopped ? 1 : 0)
            if let type {
                let changed = try database.run(
                    "UPDATE formation SET stopped = ? WHERE app_id = ? AND type = ?",
                    [flag, .integer(appID), .text(type.rawValue)])
                if changed == 0 { throw .formationNotFound(app: app, type) }
                if !stopped {
                    try database.run(
                        "DELETE FROM stopped_slots WHERE app_id = ? AND type = ?",
                        [.integer(appID), .text(type.rawValue)])
                }
            } else {
                // The app's own flag covers the types a release adds later (a deploy under way among them).
                try database.run("UPDATE apps SET stopped = ? WHERE id = ?", [flag, .integer(appID)])
                try database.run("UPDATE formation SET stopped = ? WHERE app_id = ?", [flag, .integer(appID)])
                if !stopped { try database.run("DELETE FROM stopped_slots WHERE app_id = ?", [.integer(appID)]) }
            }
            try recordEvent(
                actor: actor, app: app, action: stopped ? "formation.stop" : "formation.start",
                detail: type?.rawValue ?? "all types")
        }
    }

    /// Stops or starts one slot, `APP:TYPE.N`, alone: desired state, kept across reboots and `ps scale` until a
    /// start of the slot, its type or its app.
    ///
    /// Stopping a slot above the type's count is refused (there is nothing to stop). Starting a slot of a stopped
    /// type starts only that slot: the type's flag gives way to a stop of each of its other slots. Starting a slot
    /// that is not stopped changes nothing but the event log. Fails with `formationNotFound` when `type` is not in
    /// the app's formation.
    public func setStopped(app: AppName, type: ProcessType, index: Int, stopped: Bool, actor: String)
        throws(StoreError)
    {
        let slot = "\(app):\(type).\(index)"
        guard (1...InstanceID.maxIndex).contains(index) else {
            throw .core(.invalidTarget(slot, reason: "instance numbers run from 1 to \(InstanceID.maxIndex)"))
        }
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let key: [SQLValue] = [.integer(appID), .text(type.rawValue)]
            guard
                let row = try database.query(
                    "SELECT count, stopped FROM formation WHERE app_id = ? AND type = ?", key
                ).first
            else { throw .formationNotFound(app: app, type) }
            let count = try row.int("count")
            if stopped {
                guard index <= count else {
                    throw .core(.invalidTarget(slot, reason: "\(app) runs \(count) \(type) instances"))
                }
                try database.run(
                    "INSERT INTO stopped_slots (app_id, type, idx) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    key + [.int(index)])
            } else {
                if try row.bool("stopped") {
                    try database.run("UPDATE formation SET stopped = 0 WHERE app_id = ? AND type = ?", key)
                    for other in 1...max(1, count) where other != index && other <= count {
                        try database.run(
                            "INSERT INTO stopped_slots (app_id, type, idx) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            key + [.int(other)])
                    }
                }
                try database.run(
                    "DELETE FROM stopped_slots WHERE app_id = ? AND type = ? AND idx = ?", key + [.int(index)])
            }
            try recordEvent(
                actor: actor, app: app, action: stopped ? "formation.stop" : "formation.start",
                detail: "\(type).\(index)")
        }
    }
}
