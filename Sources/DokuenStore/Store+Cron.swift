import DokuenCore

extension Store {
    /// How many runs the store keeps per job; older ones are pruned as new ones start.
    public static let cronRunsKept = 50

    /// Records that `job` of `app` started (or, `.skipped`, was due but still running) at `startedAt`, and prunes the
    /// job's runs beyond the newest `cronRunsKept`. Returns the run's id, for `finishCronRun`.
    @discardableResult
    public func startCronRun(app: AppName, job: String, trigger: CronRunRecord.Trigger, startedAt: Int64)
        throws(StoreError) -> Int64
    {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            try database.run(
                "INSERT INTO cron_runs (app_id, job, trigger, started_at) VALUES (?, ?, ?, ?)",
                [.integer(appID), .text(job), .text(trigger.rawValue), .integer(startedAt)])
            let id = database.lastInsertRowID
            try database.run(
                """
                DELETE FROM cron_runs WHERE app_id = ? AND job = ? AND id NOT IN
                    (SELECT id FROM cron_runs WHERE app_id = ? AND job = ? ORDER BY id DESC LIMIT ?)
                """, [.integer(appID), .text(job), .integer(appID), .text(job), .int(Self.cronRunsKept)])
            return id
        }
    }

    /// Records how run `id` ended: its exit code or the signal that ended it, and how long it took.
    public func finishCronRun(id: Int64, durationMilliseconds: Int64, exitCode: Int64?, signal: Int64?)
        throws(StoreError)
    {
        try database.run(
            "UPDATE cron_runs SET duration_ms = ?, exit_code = ?, signal = ? WHERE id = ?",
            [.integer(max(0, durationMilliseconds)), .integer(exitCode), .integer(signal), .integer(id)])
    }

    /// The newest runs of `app`'s jobs, newest first (at most `limit` per job), skipped fires included.
    public func cronRuns(app: AppName, job: String? = nil, limit: Int = 10) throws(StoreError) -> [CronRunRecord] {
        let appID = try appID(app)
        let rows = try database.query(
            """
            SELECT id, job, trigger, started_at, duration_ms, exit_code, signal FROM cron_runs
            WHERE app_id = ? AND (? IS NULL OR job = ?) ORDER BY id DESC
            """, [.integer(appID), .text(job), .text(job)])
        var perJob: [String: Int] = [:]
        var runs: [CronRunRecord] = []
        for row in rows {
            let name = try row.text("job")
            guard perJob[name, default: 0] < limit else { continue }
            perJob[name, default: 0] += 1
            let triggerText = try row.text("trigger")
            guard let trigger = CronRunRecord.Trigger(rawValue: triggerText) else {
                throw .invalidStoredValue(column: "cron_runs.trigger", value: triggerText, reason: "unknown trigger")
            }
            runs.append(
                CronRunRecord(
                    id: try row.int64("id"), job: name, trigger: trigger, startedAt: try row.int64("started_at"),
                    durationMilliseconds: try row.optionalInt64("duration_ms"),
                    exitCode: try row.optionalInt64("exit_code"), signal: try row.optionalInt64("signal")))
        }
        return runs
    }

    /// The suspended jobs of `app`: ids, and `*` when the whole app's cron is suspended.
    public func cronSuspensions(app: AppName) throws(StoreError) -> Set<String> {
        let rows = try database.query(
            "SELECT job FROM cron_suspensions WHERE app_id = ?", [.integer(try appID(app))])
        var jobs: Set<String> = []
        for row in rows { jobs.insert(try row.text("job")) }
        return jobs
    }

    /// Suspends (or resumes) `job` of `app`, or every job when `job` is nil, with one event. Resuming every job
    /// clears each job's own suspension too. Returns whether anything changed.
    @discardableResult
    public func setCronSuspended(app: AppName, job: String?, suspended: Bool, actor: String) throws(StoreError)
        -> Bool
    {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let key = job ?? "*"
            let changed: Int
            if suspended {
                changed = try database.run(
                    "INSERT OR IGNORE INTO cron_suspensions (app_id, job, created_at) VALUES (?, ?, ?)",
                    [.integer(appID), .text(key), .integer(clock())])
            } else if job == nil {
                changed = try database.run("DELETE FROM cron_suspensions WHERE app_id = ?", [.integer(appID)])
            } else {
                changed = try database.run(
                    "DELETE FROM cron_suspensions WHERE app_id = ? AND job = ?", [.integer(appID), .text(key)])
            }
            try recordEvent(
                actor: actor, app: app, action: suspended ? "cron.suspend" : "cron.resume",
                detail: (job.map { "job \($0)" } ?? "every job") + (changed == 0 ? " (no change)" : ""))
            return changed > 0
        }
    }
}
