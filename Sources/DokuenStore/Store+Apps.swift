import DokuenCore

extension Store {
    /// Creates the app `name`. Fails with `appExists` when the name is taken.
    @discardableResult
    public func createApp(_ name: AppName, actor: String) throws(StoreError) -> AppRecord {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            do throws(StoreError) {
                try database.run(
                    "INSERT INTO apps (name, created_at) VALUES (?, ?)", [.text(name.rawValue), .integer(now)])
            } catch .sql(let failure) where failure.isUniqueViolation {
                throw .appExists(name)
            }
            let app = AppRecord(id: database.lastInsertRowID, name: name, createdAt: now)
            try recordEvent(actor: actor, app: name, action: "app.create")
            return app
        }
    }

    /// The app `name`, or nil.
    public func app(named name: AppName) throws(StoreError) -> AppRecord? {
        try database.query(
            "SELECT id, name, created_at, deploy_branch, stopped FROM apps WHERE name = ?", [.text(name.rawValue)]
        )
        .first.map { (row) throws(StoreError) in try AppRecord(row: row) }
    }

    /// Every app, by name.
    public func apps() throws(StoreError) -> [AppRecord] {
        try database.query("SELECT id, name, created_at, deploy_branch, stopped FROM apps ORDER BY name").map {
            (row) throws(StoreError) in try AppRecord(row: row)
        }
    }

    /// Sets the branch pushes to `name` deploy, or the default with nil.
    public func setDeployBranch(_ name: AppName, to branch: BranchName?, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let id = try appID(name)
            try database.run(
                "UPDATE apps SET deploy_branch = ? WHERE id = ?", [.text(branch?.rawValue), .integer(id)])
            try recordEvent(
                actor: actor, app: name, action: "git.branch", detail: branch?.rawValue ?? "default (main)")
        }
    }

    /// Deletes the app and, by cascade, its builds, releases, formation, port leases, domains and deploys.
    /// Its events stay: they name the app, they do not reference it. Files on disk are the caller's business.
    public func destroyApp(_ name: AppName, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let id = try appID(name)
            try database.run("DELETE FROM apps WHERE id = ?", [.integer(id)])
            try recordEvent(actor: actor, app: name, action: "app.destroy")
        }
    }
}
