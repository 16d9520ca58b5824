import DokuenCore

/// The schedule of dokuend's backups, as stored (docs/BACKUP.md, Schedule): its text and keep counts (0: off).
public struct BackupScheduleRecord: Equatable, Sendable {
    public let schedule: String
    public let retention: RetentionPolicy
    public let prune: Bool
    public let createdAt: Int64
}

/// One `backup create` as recorded: `manual` or `schedule`; `outcome` nil while it runs (or when dokuend died).
public struct BackupRunRecord: Equatable, Sendable {
    public let id: Int64
    public let trigger: String
    public let startedAt: Int64
    public let durationMilliseconds: Int64?
    public let outcome: String?
    public let snapshotID: String?
    public let totalBytes: Int64?
    public let dataAdded: Int64?
    public let error: String?
}

extension Store {
    /// How many backup runs the store keeps; older ones are pruned as new ones start.
    public static let backupRunsKept = 200

    /// Copies the store to a new database file at `path` through SQLite's online backup API, between two of this
    /// actor's calls: never a file copy of the live WAL database (docs/BACKUP.md).
    public func copyDatabase(to path: String) throws(StoreError) {
        try database.copy(to: path)
    }

    /// Copies the SQLite database at `source` (an app's, opened read-only) to a new file at `path` through the
    /// online backup API.
    public static func copyDatabase(at source: String, to path: String) throws(StoreError) {
        let database = try Database.open(path: source, readOnly: true)
        defer { database.close() }
        try database.copy(to: path)
    }

    /// The backup schedule, nil when there is none.
    public func backupSchedule() throws(StoreError) -> BackupScheduleRecord? {
        guard
            let row = try database.query(
                """
                SELECT schedule, keep_last, keep_daily, keep_weekly, keep_monthly, prune, created_at
                FROM backup_schedule WHERE id = 1
                """
            ).first
        else { return nil }
        return BackupScheduleRecord(
            schedule: try row.text("schedule"),
            retention: RetentionPolicy(
                last: try row.int("keep_last"), daily: try row.int("keep_daily"), weekly: try row.int("keep_weekly"),
                monthly: try row.int("keep_monthly")),
            prune: try row.bool("prune"), createdAt: try row.int64("created_at"))
    }

    /// Sets (or replaces) the schedule, with one `backup.schedule` event.
    public func setBackupSchedule(_ schedule: BackupSchedule, retention: RetentionPolicy, prune: Bool, actor: String)
        throws(StoreError)
    {
        try database.transaction { () throws(StoreError) in
            try database.run(
                """
                INSERT OR REPLACE INTO backup_schedule
                    (id, schedule, keep_last, keep_daily, keep_weekly, keep_monthly, prune, created_at)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(schedule.text), .int(retention.last), .int(retention.daily), .int(retention.weekly),
                    .int(retention.monthly), .int(prune ? 1 : 0), .integer(clock()),
                ])
            let keep = retention.resticFlags.joined(separator: " ")
            try recordEvent(
                actor: actor, app: nil, action: "backup.schedule",
                detail: schedule.text + (keep.isEmpty ? ", keeping every snapshot" : ", then forget " + keep)
                    + (prune ? " --prune" : ""))
        }
    }

    /// Removes the schedule; returns whether there was one. One `backup.schedule` event either way.
    @discardableResult
    public func clearBackupSchedule(actor: String) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) in
            let changed = try database.run("DELETE FROM backup_schedule WHERE id = 1")
            try recordEvent(
                actor: actor, app: nil, action: "backup.schedule", detail: changed > 0 ? "off" : "off (no change)")
            return changed > 0
        }
    }

    /// Records that a backup started, pruning runs beyond the newest `backupRunsKept`; returns its id.
    public func startBackupRun(trigger: String, startedAt: Int64) throws(StoreError) -> Int64 {
        try database.transaction { () throws(StoreError) in
            try database.run(
                "INSERT INTO backup_runs (trigger, started_at) VALUES (?, ?)", [.text(trigger), .integer(startedAt)])
            let id = database.lastInsertRowID
            try database.run(
                "DELETE FROM backup_runs WHERE id NOT IN (SELECT id FROM backup_runs ORDER BY id DESC LIMIT ?)",
                [.int(Self.backupRunsKept)])
            return id
        }
    }

    /// Records how backup run `id` ended, with its `backup.create` event (outcome, snapshot, sizes) in the same
    /// transaction.
    public func finishBackupRun(
        id: Int64, actor: String, durationMilliseconds: Int64, snapshotID: String?, totalBytes: Int64?,
        dataAdded: Int64?, error: String?, detail: String
    ) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            try database.run(
                """
                UPDATE backup_runs SET duration_ms = ?, outcome = ?, snapshot_id = ?, total_bytes = ?, data_added = ?,
                    error = ?
                WHERE id = ?
                """,
                [
                    .integer(max(0, durationMilliseconds)), .text(error == nil ? "ok" : "failed"), .text(snapshotID),
                    .integer(totalBytes), .integer(dataAdded), .text(error), .integer(id),
                ])
            try recordEvent(actor: actor, app: nil, action: "backup.create", detail: detail)
        }
    }

    /// The newest backup runs, newest first; only those of `trigger` when it is given.
    public func backupRuns(trigger: String? = nil, limit: Int = 50) throws(StoreError) -> [BackupRunRecord] {
        let rows = try database.query(
            """
            SELECT id, trigger, started_at, duration_ms, outcome, snapshot_id, total_bytes, data_added, error
            FROM backup_runs WHERE (? IS NULL OR trigger = ?) ORDER BY id DESC LIMIT ?
            """, [.text(trigger), .text(trigger), .int(limit)])
        return try rows.map { (row) throws(StoreError) in
            BackupRunRecord(
                id: try row.int64("id"), trigger: try row.text("trigger"), startedAt: try row.int64("started_at"),
                durationMilliseconds: try row.optionalInt64("duration_ms"), outcome: try row.optionalText("outcome"),
                snapshotID: try row.optionalText("snapshot_id"), totalBytes: try row.optionalInt64("total_bytes"),
                dataAdded: try row.optionalInt64("data_added"), error: try row.optionalText("error"))
        }
    }
}
