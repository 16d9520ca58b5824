import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore

/// `dokuen restore` (docs/BACKUP.md): a snapshot of a whole platform, made again on this root, serving.
///
/// Everything that can refuse the restore is checked before anything changes: the request, an empty root (or
/// `force`), the repository, its password and the snapshot (restic), the snapshot's format and schema, the apps asked
/// for, and names that already exist here. Then, in order: the add-ons (made again, on new ports), the apps' users
/// and files, the store's rows (one transaction, with linked add-on URLs moved to the new ports), the add-ons' roles
/// and dumps, the git user's keys and the buildpacks; then each app's current build (from the snapshot, or rebuilt
/// from its commit), and its instances, awaited until they serve. A failure after the checks stops there and says
/// so; what was made stays, for a look (the event log has `restore`).
struct Restorer: Sendable {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor
    let routing: Routing?
    let settings: DaemonSettings
    let addons: AddonSupervisor?
    let defaults: Defaults
    var accounts: AppAccounts { supervisor.accounts }

    /// The daemon's own backup repository and password file (`--backup-repo`, `--backup-password-file`), used when a
    /// restore names no repository, or names that one without a password.
    struct Defaults: Sendable {
        var repository: String?
        var passwordFile: String?
        var options: [String] = []
    }

    /// The prefix of a restore's temporary directory and password file in `run/`.
    static let temporaryPrefix = "restore-"

    /// Removes what a restore cut short (a daemon killed during one) left in `run/`; at dokuend's start.
    static func removeLeftovers(_ layout: RootLayout) {
        for name in (try? Posix.listDirectory(layout.runDirectory)) ?? [] where name.hasPrefix(temporaryPrefix) {
            try? Posix.removeTree(layout.runDirectory + "/" + name)
        }
    }

    /// One restore at a time on a root.
    static let gate = AsyncGate()

    func run(_ request: RestoreRequest, actor: String, progress: @escaping Progress) async throws -> RestoreOutcome {
        guard let repository = request.repository ?? defaults.repository, !repository.isEmpty else {
            throw APIError(
                .invalid, "unable to restore: give --from REPOSITORY (this dokuend has no --backup-repo)")
        }
        let password = try password(request, repository: repository)
        let only = try request.apps.map { names in
            try names.map { (name) throws -> AppName in
                do throws(CoreError) { return try AppName(name) } catch { throw APIError(.invalid, error.description) }
            }
        }
        for option in request.options where !option.contains("=") || option.contains("\n") || option.hasPrefix("=") {
            throw APIError(.invalid, "invalid --option \(Quoting.quoted(option)): it takes KEY=VALUE")
        }
        if let snapshot = request.snapshot,
            snapshot.isEmpty || snapshot.count > 64 || !snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" })
                || snapshot.hasPrefix("-")
        {
            throw APIError(.invalid, "invalid snapshot \(Quoting.quoted(snapshot)): it is a snapshot id (hex digits)")
        }
        let existingApps = try await store.apps().map(\.name)
        let existingAddons = try await store.addons().map(\.name)
        if !request.force, !existingApps.isEmpty || !existingAddons.isEmpty {
            let names = existingApps.map(\.rawValue) + existingAddons.map { "addon:\($0)" }
            throw APIError(
                .conflict,
                "unable to restore into \(layout.root): it is not empty (\(names.joined(separator: ", "))); restore "
                    + "into an empty root, or give --force to add to it (an app or add-on of the same name is never "
                    + "replaced)")
        }
        return try await Self.gate.holding {
            let temporary = try Posix.makeTemporaryDirectory(prefix: layout.runDirectory + "/" + Self.temporaryPrefix)
            defer { try? Posix.removeTree(temporary) }
            let passwordFile = temporary + ".password"
            try AtomicFile.write(Array(password.utf8), to: passwordFile, mode: 0o600)
            defer { try? Posix.unlink(passwordFile) }
            try Posix.mkdir(layout.runDirectory + "/restic-cache", mode: 0o700, existingOK: true)
            // The daemon's own repository comes with its own options unless the request gives some.
            let options =
                request.options.isEmpty && repository == defaults.repository ? defaults.options : request.options
            let restic = RestoreRestic(
                repository: repository, passwordFile: passwordFile, options: options,
                cacheDirectory: layout.runDirectory + "/restic-cache", temporaryDirectory: temporary + "/tmp")
            try Posix.mkdir(temporary + "/tmp", mode: 0o700)
            let snapshot = try await restic.resolve(request.snapshot)
            let short = String(snapshot.id.prefix(8))
            progress(BuildLog.header("Restoring snapshot \(short) of \(repository)"))
            let files = temporary + "/snapshot"
            try Posix.mkdir(files, mode: 0o700)
            try await restic.restore(snapshot.id, into: files)
            let plan = try await RestorePlan.read(
                files, only: only, existingApps: existingApps, existingAddons: existingAddons)
            if addons == nil, let first = plan.addons.first {
                throw APIError(
                    .unavailable,
                    "unable to restore add-on \(first.name): add-ons are off in this dokuend; nothing was changed")
            }
            if let arguments = plan.manifest.daemonArguments, !arguments.isEmpty {
                progress(
                    BuildLog.indent(
                        "the snapshot's dokuend ran with \(arguments.joined(separator: " ")); this one's settings win"))
            }
            let made = try await apply(
                plan, files: files, actor: actor,
                detail: "from \(repository) snapshot \(short)", progress: progress)
            try await store.appendEvent(
                actor: actor, app: nil, action: "restore",
                detail: "\(made.map(\.name).joined(separator: ", ")) from \(repository) snapshot \(short)")
            return RestoreOutcome(
                repository: repository, snapshot: snapshot.id, apps: made,
                addons: plan.addons.map(\.name.rawValue))
        }
    }

    /// The repository's password: the request's, or the daemon's own password file for its own repository.
    private func password(_ request: RestoreRequest, repository: String) throws -> String {
        if let password = request.password {
            guard !password.isEmpty else { throw APIError(.invalid, "unable to restore: the password file is empty") }
            return password
        }
        guard repository == defaults.repository, let file = defaults.passwordFile
        else {
            throw APIError(
                .invalid,
                "unable to restore from \(repository): give --password-file FILE (the repository's password)")
        }
        do { return String(decoding: try Posix.readFile(file), as: UTF8.self) } catch {
            throw APIError(.internal, "unable to read the password file \(file): \(error)")
        }
    }

    /// Everything after the checks: add-ons, apps, rows, dumps, keys, buildpacks, builds, instances.
    private func apply(
        _ plan: RestorePlan, files: String, actor: String, detail: String, progress: @escaping Progress
    ) async throws -> [RestoredApp] {
        var rewrites: [Store.URLRewrite] = []
        var ports: [AppName: (old: Int, new: Int)] = [:]
        for addon in plan.addons {
            guard let addons else {
                throw APIError(.unavailable, "unable to restore add-on \(addon.name): add-ons are off in this dokuend")
            }
            progress(BuildLog.header("Making add-on \(addon.name) (\(addon.kind)) again"))
            if addon.kind == .redis {
                // Its directory holds its password (`secret`), which the linked apps' URLs carry: kept, so that only
                // the port of those URLs changes. A PostgreSQL add-on gets a new superuser; the apps' roles keep
                // their passwords (below).
                _ = try? Posix.mkdir(layout.root + "/addons", mode: 0o711, existingOK: true)
                let saved = files + "/addons/" + addon.name.rawValue
                if Posix.isDirectory(saved) {
                    try Posix.rename(saved, layout.root + "/addons/" + addon.name.rawValue)
                }
            }
            let record = try await addons.create(kind: addon.kind, name: addon.name, actor: actor)
            ports[addon.name] = (addon.port, record.port)
            progress(BuildLog.indent("\(addon.name) answers on port \(record.port) (it was \(addon.port))"))
        }
        for link in plan.links {
            guard let port = ports[link.addon] else { continue }
            rewrites.append(
                Store.URLRewrite(
                    app: link.app, key: link.alias.key.rawValue, from: "@127.0.0.1:\(port.old)/",
                    to: "@127.0.0.1:\(port.new)/"))
        }
        let builds = plan.manifest.withBuilds == true && plan.manifest.root == layout.root
        if plan.manifest.withBuilds == true, !builds {
            progress(
                BuildLog.indent(
                    "the snapshot's builds were made under \(plan.manifest.root ?? "another root"), not \(layout.root): "
                        + "each app is rebuilt (a build embeds its absolute path)"))
        }
        for app in plan.apps {
            progress(BuildLog.header("Restoring the files of \(app.name)"))
            try await RestoreFiles(layout: layout, accounts: accounts).place(app, from: files, builds: builds)
        }
        // Until its build is on disk, an app's rows must not start anything: the reconciler sees each restored app
        // through a candidate of its current release that wants no instance, withdrawn once the build is there.
        for app in plan.apps {
            guard let release = app.release, let build = app.build else { continue }
            try await supervisor.propose(
                Candidate(
                    release: release, build: build, env: [:],
                    formation: Formation(scales: build.processes.keys.map { Formation.Scale(type: $0, count: 0) }),
                    keepsServing: false))
        }
        do {
            return try await importAndStart(
                plan, files: files, rewrites: rewrites, actor: actor, detail: detail, progress: progress)
        } catch {
            for app in plan.apps { await supervisor.withdraw(app: app.name) }
            supervisor.requestReconcile()
            throw error
        }
    }

    /// The rows, the add-ons' data, the shared files, then each app's build and instances.
    private func importAndStart(
        _ plan: RestorePlan, files: String, rewrites: [Store.URLRewrite], actor: String, detail: String,
        progress: @escaping Progress
    ) async throws -> [RestoredApp] {
        try await store.importApps(
            from: files + "/backup/dokuen.sqlite", apps: plan.apps.map(\.name), rewrites: rewrites, actor: actor,
            detail: detail)
        // The envdir is the current release's config; one the snapshot lacks (or holds only as a link to a generation
        // it lacks) is written again from that release (or empty before the first).
        for app in plan.apps {
            let directory = EnvDirectory(path: layout.app(app.name).env)
            if (try? directory.dictionary()) == nil {
                try directory.write(try await store.latestRelease(app: app.name)?.env ?? [:])
                progress(BuildLog.indent("\(app.name)'s config was written again from its current release"))
            }
        }
        for rewrite in rewrites {
            let directory = EnvDirectory(path: layout.app(rewrite.app).env)
            let key = try EnvKey(rewrite.key)
            if let value = try directory.dictionary()[key] {
                _ = try directory.update(set: [key: value.replacing(rewrite.from, with: rewrite.to)])
            }
        }
        progress(
            BuildLog.header("Restored the store's rows of \(plan.apps.map(\.name.rawValue).joined(separator: ", "))"))
        if let addons {
            try await restoreAddonData(plan, addons: addons, files: files, actor: actor, progress: progress)
        }
        try RestoreFiles(layout: layout, accounts: accounts).placeShared(
            from: files, oldRoot: plan.manifest.root, progress: progress)
        var made: [RestoredApp] = []
        for app in plan.apps {
            made.append(try await RestoreBuild(restorer: self).start(app, progress: progress))
        }
        return made
    }

    /// Each PostgreSQL link's role and database, with the password the app's URL carries, then each dump.
    private func restoreAddonData(
        _ plan: RestorePlan, addons: AddonSupervisor, files: String, actor: String, progress: @escaping Progress
    ) async throws {
        for link in plan.links {
            guard let addon = plan.addons.first(where: { $0.name == link.addon }), addon.kind == .postgres else {
                continue
            }
            let url = try EnvDirectory(path: layout.app(link.app).env).dictionary()[link.alias.key] ?? ""
            try await addons.restoreLink(link.addon, app: link.app, password: RestorePlan.password(inURL: url))
        }
        for addon in plan.addons {
            for dump in addon.dumps {
                guard let relative = RestoreFiles.safeRelative(dump.path) else {
                    throw APIError(
                        .invalid,
                        "unable to restore add-on \(addon.name): the manifest names an unsafe path \(dump.path)")
                }
                let path = files + "/" + relative
                guard Posix.exists(path) else {
                    throw APIError(
                        .internal, "unable to restore add-on \(addon.name): the snapshot lacks its dump \(dump.path)")
                }
                progress(
                    BuildLog.header(
                        "Restoring add-on \(addon.name)" + (dump.database.map { " (database \($0))" } ?? "")))
                _ = try await addons.restore(addon.name, database: dump.database, from: path, actor: actor)
            }
        }
    }
}
