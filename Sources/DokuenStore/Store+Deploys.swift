import DokuenCore

extension Store {
    /// Records the start of a deploy of `app`. Deploys are serialized per app (docs/DESIGN.md §2): this fails with
    /// `deployInProgress` while another is running. The lock dies with its holder because only the writer
    /// starts deploys: a restarted dokuend finds the leftovers in `runningDeploys()` and finishes them.
    @discardableResult
    public func startDeploy(app: AppName, source: String, actor: String) throws(StoreError) -> DeployRecord {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            // The partial unique index deploys_one_running would refuse the insert too; asking first names the
            // deploy that holds the app.
            if let running = try database.query(
                "SELECT id FROM deploys WHERE app_id = ? AND state = 'running'", [.integer(appID)]
            ).first {
                throw .deployInProgress(app: app, id: try running.int64("id"))
            }
            try database.run(
                "INSERT INTO deploys (app_id, state, source, started_by, started_at) VALUES (?, 'running', ?, ?, ?)",
                [.integer(appID), .text(source), .text(actor), .integer(now)])
            let id = database.lastInsertRowID
            try recordEvent(actor: actor, app: app, action: "deploy.start", detail: "deploy \(id) of \(source)")
            return try deploy(id)
        }
    }

    /// Records how deploy `id` ended, with the build it made if any. Fails with `deployFinished` when it has
    /// already ended, and with `releaseNotFound` or `buildNotFound` when it names what the app does not have.
    @discardableResult
    public func finishDeploy(_ id: Int64, outcome: DeployRecord.Outcome, buildID: Int64? = nil, actor: String)
        throws(StoreError) -> DeployRecord
    {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let deploy = try deploy(id)
            guard deploy.state == .running else { throw .deployFinished(id) }
            if let buildID { _ = try build(app: deploy.app, id: buildID) }  // the app's own, or buildNotFound
            let values: [SQLValue]
            let event: (action: String, detail: String)
            switch outcome {
            case .succeeded(let release):
                guard
                    let row = try database.query(
                        "SELECT r.id FROM releases r JOIN apps a ON a.id = r.app_id WHERE a.name = ? AND r.version = ?",
                        [.text(deploy.app.rawValue), .int(release.number)]
                    ).first
                else { throw .releaseNotFound(app: deploy.app, release) }
                values = [.text("succeeded"), .integer(try row.int64("id")), .null]
                event = ("deploy.succeed", "deploy \(id): \(release) is up")
            case .failed(let error):
                values = [.text("failed"), .null, .text(error)]
                event = ("deploy.fail", "deploy \(id): \(error)")
            }
            try database.run(
                """
                UPDATE deploys SET state = ?, release_id = ?, error = ?, build_id = coalesce(?, build_id),
                    finished_at = ?
                WHERE id = ?
                """, values + [.integer(buildID), .integer(now), .integer(id)])
            try recordEvent(actor: actor, app: deploy.app, action: event.action, detail: event.detail)
            return try self.deploy(id)
        }
    }

    /// Records the phase of running deploy `id`'s cutover before its step runs (docs/FAULTS.md), with the build
    /// directory it makes and the release number it makes once they are known (nil keeps what was recorded).
    /// Fails with `deployFinished` when the deploy has ended: a phase is never written after the outcome.
    public func recordPhase(_ id: Int64, _ phase: String, buildStamp: BuildStamp? = nil, candidate: ReleaseID? = nil)
        throws(StoreError)
    {
        try database.transaction { () throws(StoreError) in
            guard try deploy(id).state == .running else { throw .deployFinished(id) }
            try database.run(
                """
                UPDATE deploys SET phase = ?, build_stamp = coalesce(?, build_stamp),
                    candidate_version = coalesce(?, candidate_version)
                WHERE id = ?
                """,
                [
                    .text(phase), .text(buildStamp?.description), .integer(candidate.map { Int64($0.number) }),
                    .integer(id),
                ])
        }
    }

    /// Deploy `id`, or `deployNotFound`.
    public func deploy(_ id: Int64) throws(StoreError) -> DeployRecord {
        guard let deploy = try deploys(where: "WHERE d.id = ?", [.integer(id)]).first else {
            throw .deployNotFound(id)
        }
        return deploy
    }

    /// The deploys of `app`, newest first.
    public func deploys(app: AppName, limit: Int = 100) throws(StoreError) -> [DeployRecord] {
        try deploys(where: "WHERE d.app_id = ? ORDER BY d.id DESC LIMIT ?", [.integer(try appID(app)), .int(limit)])
    }

    /// Every deploy still marked running, oldest first. After a restart these are the half-done deploys that
    /// dokuend must finish or roll back (docs/DESIGN.md invariant 2).
    public func runningDeploys() throws(StoreError) -> [DeployRecord] {
        try deploys(where: "WHERE d.state = 'running' ORDER BY d.id", [])
    }

    private func deploys(where clause: String, _ values: [SQLValue]) throws(StoreError) -> [DeployRecord] {
        try database.query(
            """
            SELECT d.id, a.name AS app, d.state, d.source, d.build_id, r.version, d.error, d.started_by,
                d.started_at, d.finished_at, d.phase, d.build_stamp, d.candidate_version
            FROM deploys d JOIN apps a ON a.id = d.app_id LEFT JOIN releases r ON r.id = d.release_id \(clause)
            """, values
        ).map { (row) throws(StoreError) in try DeployRecord(row: row) }
    }
}
