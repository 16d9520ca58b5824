import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore

/// What a restore will make, read from a restored snapshot (its manifest and a copy of its store, migrated to this
/// build's schema) before anything changes: every refusal that depends on the snapshot comes from here.
struct RestorePlan: Sendable {
    struct App: Sendable {
        var name: AppName
        /// `data/` paths of SQLite databases whose online copies are in `backup/data/APP/`.
        var sqliteCopies: [String]
        /// The current release and its build; nil for an app never released.
        var release: ReleaseID?
        var build: BuildRecord?
    }

    struct Addon: Sendable {
        var name: AppName
        var kind: AddonKind
        /// Its port in the snapshot: the linked apps' URLs name it.
        var port: Int
        var dumps: [RestoreManifest.Dump]
    }

    var manifest: RestoreManifest
    var apps: [App]
    var addons: [Addon]
    var links: [AddonLinkRecord]

    /// Reads the snapshot restored under `files`. `only`: the apps asked for (nil: all of them). Refuses a snapshot
    /// newer than this build, an app not in it, and an app or add-on whose name is taken here.
    static func read(
        _ files: String, only: [AppName]?, existingApps: [AppName], existingAddons: [AppName]
    ) async throws -> RestorePlan {
        let bytes: [UInt8]
        do { bytes = try Posix.readFile(files + "/backup/manifest.json") } catch {
            throw APIError(
                .invalid, "unable to restore the snapshot: it has no backup/manifest.json, so it is no dokuen snapshot")
        }
        let manifest: RestoreManifest
        do { manifest = try RestoreManifest.decode(bytes) } catch {
            throw APIError(
                .invalid, "unable to restore the snapshot: its backup/manifest.json cannot be read: \(error)")
        }
        guard manifest.format <= RestoreManifest.knownFormat, manifest.schemaVersion <= Store.schemaVersion else {
            throw APIError(
                .invalid,
                "unable to restore the snapshot: it is of a newer dokuen (snapshot format \(manifest.format), store "
                    + "schema \(manifest.schemaVersion); this dokuen reads format \(RestoreManifest.knownFormat) and "
                    + "schema \(Store.schemaVersion)); upgrade dokuen first")
        }
        // The copy is migrated forward as any store is when it opens; a newer one is refused there too.
        let snapshot: Store
        do { snapshot = try Store.open(path: files + "/backup/dokuen.sqlite") } catch {
            if case .schemaTooNew(_, let found, let known) = error {
                throw APIError(
                    .invalid,
                    "unable to restore the snapshot: its store has schema \(found), newer than this dokuen's (\(known)); "
                        + "upgrade dokuen first")
            }
            throw error
        }
        do {
            let plan = try await read(
                snapshot, manifest: manifest, only: only, existingApps: existingApps, existingAddons: existingAddons)
            await snapshot.close()
            return plan
        } catch {
            await snapshot.close()
            throw error
        }
    }

    private static func read(
        _ snapshot: Store, manifest: RestoreManifest, only: [AppName]?, existingApps: [AppName],
        existingAddons: [AppName]
    ) async throws -> RestorePlan {
        let all = try await snapshot.apps().map(\.name)
        if let only {
            for name in only where !all.contains(name) {
                throw APIError(
                    .notFound,
                    "unable to restore app \(name): the snapshot has no app of that name (it has "
                        + "\(all.isEmpty ? "none" : all.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        let names = only.map { only in all.filter { only.contains($0) } } ?? all
        let taken = names.filter { existingApps.contains($0) }
        guard taken.isEmpty else {
            throw APIError(
                .conflict,
                "unable to restore \(taken.map(\.rawValue).joined(separator: ", ")): an app of that name exists here; "
                    + "a restore never replaces one (destroy it first, or leave it out with --apps)")
        }
        let links = try await snapshot.addonLinks().filter { names.contains($0.app) }
        let records = try await snapshot.addons().filter { record in
            only == nil || links.contains { $0.addon == record.name }
        }
        let takenAddons = records.map(\.name).filter { existingAddons.contains($0) }
        guard takenAddons.isEmpty else {
            throw APIError(
                .conflict,
                "unable to restore add-on \(takenAddons.map(\.rawValue).joined(separator: ", ")): an add-on of that "
                    + "name exists here; a restore never replaces one (destroy it first, or leave its apps out)")
        }
        var apps: [App] = []
        for name in names {
            var app = App(
                name: name,
                sqliteCopies: manifest.apps.first { $0.name == name.rawValue }?.sqliteCopies ?? [])
            if let release = try await snapshot.latestRelease(app: name) {
                app.release = release.id
                app.build = try await snapshot.build(app: name, id: release.buildID)
            }
            apps.append(app)
        }
        let addons = records.map { record in
            let dumps = manifest.addons?.first { $0.name == record.name.rawValue }?.dumps ?? []
            return Addon(
                name: record.name, kind: record.kind, port: record.port,
                dumps: dumps.filter { dump in
                    dump.database.map { database in names.contains { $0.rawValue == database } } ?? true
                })
        }
        return RestorePlan(manifest: manifest, apps: apps, addons: addons, links: links)
    }

    /// The password of a URL (`postgres://user:PASSWORD@host:port/db`), or "" when it has none.
    static func password(inURL url: String) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "" }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return "" }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return "" }
        return String(userinfo[userinfo.index(after: colon)...])
    }
}
