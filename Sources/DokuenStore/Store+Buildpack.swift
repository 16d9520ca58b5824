import DokuenCore

extension Store {
    /// The buildpack `dokuen buildpacks set` pinned `app` to, as the user gave it (a name or an installed
    /// buildpack's source), or nil when it has none.
    public func appBuildpack(_ app: AppName) throws(StoreError) -> String? {
        let rows = try database.query("SELECT buildpack FROM apps WHERE id = ?", [.integer(try appID(app))])
        return try rows.first?.optionalText("buildpack")
    }

    /// Pins `app` to `buildpack` (already checked by the caller: a name or a source), or unpins it with nil, with
    /// its event.
    public func setAppBuildpack(_ app: AppName, to buildpack: String?, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let id = try appID(app)
            try database.run("UPDATE apps SET buildpack = ? WHERE id = ?", [.text(buildpack), .integer(id)])
            try recordEvent(
                actor: actor, app: app, action: "buildpack.set", detail: buildpack ?? "cleared (detection decides)")
        }
    }
}
