import DokuenCore

extension Store {
    /// Records a compiled build of `app`. Fails with `buildExists` when the app already has a build of that
    /// stamp (the creator of the directory should have moved on to `stamp.successor`).
    @discardableResult
    public func createBuild(
        app: AppName, stamp: BuildStamp, buildpack: String?, commit: String?, processes: [ProcessType: String],
        configVars: [EnvKey: String] = [:], staticRoot: StaticRoot? = nil, actor: String
    ) throws(StoreError) -> BuildRecord {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            do throws(StoreError) {
                try database.run(
                    """
                    INSERT INTO builds (app_id, stamp, buildpack, commit_sha, static_root, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(appID), .text(stamp.description), .text(buildpack), .text(commit),
                        .text(staticRoot?.rawValue), .integer(now),
                    ])
            } catch .sql(let failure) where failure.isUniqueViolation {
                throw .buildExists(app: app, stamp: stamp)
            }
            let id = database.lastInsertRowID
            for (type, command) in processes.sorted(by: { $0.key < $1.key }) {
                try database.run(
                    "INSERT INTO build_processes (build_id, type, command) VALUES (?, ?, ?)",
                    [.integer(id), .text(type.rawValue), .text(command)])
            }
            for (key, value) in configVars.sorted(by: { $0.key < $1.key }) {
                try database.run(
                    "INSERT INTO build_config_vars (build_id, key, value) VALUES (?, ?, ?)",
                    [.integer(id), .text(key.rawValue), .text(value)])
            }
            let origin = [buildpack.map { "buildpack \($0)" }, commit.map { "commit \($0)" }].compactMap { $0 }
            try recordEvent(
                actor: actor, app: app, action: "build.create",
                detail: ([stamp.description] + origin).joined(separator: " "))
            return BuildRecord(
                id: id, app: app, stamp: stamp, buildpack: buildpack, commit: commit, processes: processes,
                configVars: configVars, staticRoot: staticRoot, createdAt: now)
        }
    }

    /// The build `id` of `app`, or `buildNotFound` (also when the build belongs to another app).
    public func build(app: AppName, id: Int64) throws(StoreError) -> BuildRecord {
        let appID = try appID(app)
        guard let build = try builds(app: app, appID: appID, only: id).first else {
            throw .buildNotFound(app: app, id: id)
        }
        return build
    }

    /// The builds of `app`, newest first.
    public func builds(app: AppName) throws(StoreError) -> [BuildRecord] {
        try builds(app: app, appID: try appID(app), only: nil)
    }

    /// Deletes a build record, for pruning. Fails with `buildInUse` while a release uses it: a kept release
    /// keeps its build (docs/DESIGN.md §2). The directory on disk is the caller's to remove.
    public func deleteBuild(app: AppName, id: Int64, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let build = try build(app: app, id: id)
            do throws(StoreError) {
                try database.run("DELETE FROM builds WHERE id = ?", [.integer(id)])
            } catch .sql(let failure) where failure.extendedCode == SQLiteFailure.constraintForeignKey {
                throw .buildInUse(app: app, id: id)
            }
            try recordEvent(actor: actor, app: app, action: "build.delete", detail: build.stamp.description)
        }
    }

    private func builds(app: AppName, appID: Int64, only id: Int64?) throws(StoreError) -> [BuildRecord] {
        let filter = id == nil ? "" : " AND b.id = ?"
        let values: [SQLValue] = [.integer(appID)] + (id.map { [.integer($0)] } ?? [])
        var processes: [Int64: [ProcessType: String]] = [:]
        for row in try database.query(
            "SELECT p.build_id, p.type, p.command FROM build_processes p JOIN builds b ON b.id = p.build_id "
                + "WHERE b.app_id = ?\(filter)", values)
        {
            processes[try row.int64("build_id"), default: [:]][try row.processType("type")] = try row.text("command")
        }
        var configVars: [Int64: [EnvKey: String]] = [:]
        for row in try database.query(
            "SELECT v.build_id, v.key, v.value FROM build_config_vars v JOIN builds b ON b.id = v.build_id "
                + "WHERE b.app_id = ?\(filter)", values)
        {
            configVars[try row.int64("build_id"), default: [:]][try row.envKey("key")] = try row.text("value")
        }
        return try database.query(
            "SELECT b.id, b.stamp, b.buildpack, b.commit_sha, b.static_root, b.created_at FROM builds b "
                + "WHERE b.app_id = ?\(filter) ORDER BY b.stamp DESC", values
        ).map { (row) throws(StoreError) in
            let id = try row.int64("id")
            let staticRoot = try row.optionalText("static_root").map { (text) throws(StoreError) in
                do throws(CoreError) { return try StaticRoot(text) } catch {
                    throw .invalidStoredValue(column: "builds.static_root", value: text, reason: error.description)
                }
            }
            return BuildRecord(
                id: id, app: app, stamp: try row.buildStamp("stamp"), buildpack: try row.optionalText("buildpack"),
                commit: try row.optionalText("commit_sha"), processes: processes[id] ?? [:],
                configVars: configVars[id] ?? [:], staticRoot: staticRoot,
                createdAt: try row.int64("created_at"))
        }
    }
}
