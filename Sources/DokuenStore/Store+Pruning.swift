import DokuenCore

extension Store {
    /// Keeps the newest `keep` releases of `app` (at least 2: the current and the previous one) and forgets older
    /// ones, then deletes every build no kept release uses — a build is never pruned while a kept release needs
    /// it (docs/DESIGN.md §2). Returns the deleted builds, whose directories are the caller's to remove. The caller
    /// holds the app's deploy lock, so no build being made right now is mistaken for an unused one.
    @discardableResult
    public func prune(app: AppName, keep: Int, actor: String) throws(StoreError) -> [BuildRecord] {
        let keep = max(keep, 2)
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let forgotten = try database.run(
                """
                DELETE FROM releases WHERE app_id = ?1 AND version NOT IN (
                    SELECT version FROM releases WHERE app_id = ?1 ORDER BY version DESC LIMIT ?2)
                """, [.integer(appID), .int(keep)])
            var unusedIDs: Set<Int64> = []
            for row in try database.query(
                "SELECT id FROM builds b WHERE app_id = ? AND NOT EXISTS (SELECT 1 FROM releases r WHERE r.build_id = b.id)",
                [.integer(appID)])
            {
                unusedIDs.insert(try row.int64("id"))
            }
            let unused = try builds(app: app).filter { unusedIDs.contains($0.id) }
            for build in unused {
                try database.run("DELETE FROM builds WHERE id = ?", [.integer(build.id)])
            }
            if forgotten > 0 || !unused.isEmpty {
                try recordEvent(
                    actor: actor, app: app, action: "release.prune",
                    detail: "kept the newest \(keep) releases; forgot \(forgotten) older ones; deleted "
                        + (unused.isEmpty
                            ? "no build" : "builds " + unused.map(\.stamp.description).joined(separator: " ")))
            }
            return unused
        }
    }
}
