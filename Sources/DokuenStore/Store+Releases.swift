import DokuenCore

extension Store {
    /// Records a new release of `app` using build `buildID`, numbered one past the app's newest release in the
    /// same transaction (vN counts successful releases only, so the caller makes a release only once its deploy
    /// or config change has succeeded). The event names the release and the build, never an env value.
    @discardableResult
    public func createRelease(
        app: AppName, buildID: Int64, env: [EnvKey: String], formation: Formation, summary: String, actor: String,
        createdAt: Int64? = nil
    ) throws(StoreError) -> ReleaseID {
        let now = createdAt ?? clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            guard
                let build = try database.query(
                    "SELECT stamp FROM builds WHERE id = ? AND app_id = ?", [.integer(buildID), .integer(appID)]
                ).first
            else { throw .buildNotFound(app: app, id: buildID) }
            let next = try database.query(
                "SELECT coalesce(max(version), 0) + 1 AS version FROM releases WHERE app_id = ?", [.integer(appID)]
            )[0].int("version")
            let release: ReleaseID
            do throws(CoreError) { release = try ReleaseID(number: next) } catch { throw .core(error) }
            try database.run(
                """
                INSERT INTO releases (app_id, version, build_id, description, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [.integer(appID), .int(release.number), .integer(buildID), .text(summary), .text(actor), .integer(now)])
            let releaseRowID = database.lastInsertRowID
            for (key, value) in env.sorted(by: { $0.key < $1.key }) {
                try database.run(
                    "INSERT INTO release_env (release_id, key, value) VALUES (?, ?, ?)",
                    [.integer(releaseRowID), .text(key.rawValue), .text(value)])
            }
            for scale in formation.scales {
                try database.run(
                    "INSERT INTO release_formation (release_id, type, count) VALUES (?, ?, ?)",
                    [.integer(releaseRowID), .text(scale.type.rawValue), .int(scale.count)])
            }
            try recordEvent(
                actor: actor, app: app, action: "release.create",
                detail: "\(release) build \(try build.text("stamp")): \(summary)")
            return release
        }
    }

    /// The releases of `app`, newest first, each with its env and formation.
    public func releases(app: AppName, limit: Int? = nil) throws(StoreError) -> [ReleaseRecord] {
        try releases(app: app, appID: try appID(app), only: nil, limit: limit)
    }

    /// Release `id` of `app`, or `releaseNotFound`.
    public func release(app: AppName, _ id: ReleaseID) throws(StoreError) -> ReleaseRecord {
        guard let release = try releases(app: app, appID: try appID(app), only: id, limit: nil).first else {
            throw .releaseNotFound(app: app, id)
        }
        return release
    }

    /// The newest release of `app`, nil before its first successful deploy.
    public func latestRelease(app: AppName) throws(StoreError) -> ReleaseRecord? {
        try releases(app: app, appID: try appID(app), only: nil, limit: 1).first
    }

    private func releases(app: AppName, appID: Int64, only id: ReleaseID?, limit: Int?) throws(StoreError)
        -> [ReleaseRecord]
    {
        let filter = id == nil ? "" : " AND r.version = ?"
        let values: [SQLValue] = [.integer(appID)] + (id.map { [.int($0.number)] } ?? [])
        let rows = try database.query(
            """
            SELECT r.id, r.version, r.build_id, b.stamp, r.description, r.created_by, r.created_at
            FROM releases r JOIN builds b ON b.id = r.build_id
            WHERE r.app_id = ?\(filter) ORDER BY r.version DESC LIMIT ?
            """, values + [.int(limit ?? -1)])
        // Env and formation of the releases just read, two queries in all rather than two per release. Row ids
        // grow with versions (both only ever increase), so the rows read span the ids oldest...newest.
        let newest = try rows.first?.int64("id") ?? 0
        let oldest = try rows.last?.int64("id") ?? 0
        let range: [SQLValue] = [.integer(appID), .integer(oldest), .integer(newest)]
        var env: [Int64: [EnvKey: String]] = [:]
        for row in try database.query(
            """
            SELECT e.release_id, e.key, e.value FROM release_env e JOIN releases r ON r.id = e.release_id
            WHERE r.app_id = ? AND r.id BETWEEN ? AND ?
            """, range)
        {
            env[try row.int64("release_id"), default: [:]][try row.envKey("key")] = try row.text("value")
        }
        var formation: [Int64: [Formation.Scale]] = [:]
        for row in try database.query(
            """
            SELECT f.release_id, f.type, f.count FROM release_formation f JOIN releases r ON r.id = f.release_id
            WHERE r.app_id = ? AND r.id BETWEEN ? AND ? ORDER BY f.type
            """, range)
        {
            formation[try row.int64("release_id"), default: []].append(
                Formation.Scale(type: try row.processType("type"), count: try row.int("count")))
        }
        return try rows.map { (row) throws(StoreError) in
            let rowID = try row.int64("id")
            return ReleaseRecord(
                id: try row.releaseID("version"), app: app, buildID: try row.int64("build_id"),
                buildStamp: try row.buildStamp("stamp"), env: env[rowID] ?? [:],
                formation: Formation(scales: formation[rowID] ?? []), summary: try row.text("description"),
                createdBy: try row.text("created_by"), createdAt: try row.int64("created_at"))
        }
    }
}
