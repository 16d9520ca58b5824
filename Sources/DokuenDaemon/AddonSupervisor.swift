import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision

/// Add-ons (docs/ADDONS.md): a PostgreSQL or Redis server per add-on, made, started under a `dokuen-shim` as a user
/// of its own, asked whether it answers, linked to apps through their config, and followed by the apps linked to it
/// when it restarts. It starts and stops only add-on shims (`run/addons/NAME`); apps' instances stay the reconcile
/// loop's. An actor, so that one add-on's create, destroy, start and the follow-up of its restarts never overlap
/// (`busy` holds the names under change across awaits).
public actor AddonSupervisor {
    let layout: RootLayout
    let store: Store
    let accounts: AppAccounts
    let shimPath: String
    let supervisor: InstanceSupervisor
    let portRange: ClosedRange<Int>
    /// Add-ons being created, destroyed or restored: `tend` leaves them alone.
    var busy: Set<AppName> = []
    /// The server pid last seen per add-on, to notice its restarts (dependents follow).
    var lastPIDs: [AppName: Int32] = [:]
    /// The last reason an add-on's shim could not be started again, so that `tend` logs it once.
    var refusals: [AppName: String] = [:]
    /// Where each add-on's health goes for alerts (`addon.down`, docs/ALERTS.md); nil: nowhere.
    private var alerts: AlertFeed?
    /// Watches the add-ons' shims, so that one that dies without a word wakes dokuend at once.
    var shimWatcher: ShimWatcher?

    /// How long a create, a start or a restart waits for the server to answer.
    static let readyMilliseconds = 60_000

    public init(
        layout: RootLayout, store: Store, accounts: AppAccounts, shimPath: String, supervisor: InstanceSupervisor,
        portRange: ClosedRange<Int> = Store.defaultPortRange
    ) {
        self.layout = layout
        self.store = store
        self.accounts = accounts
        self.shimPath = shimPath
        self.supervisor = supervisor
        self.portRange = portRange
    }

    public func setShimWatcher(_ watcher: ShimWatcher?) { shimWatcher = watcher }

    public func setAlerts(_ feed: AlertFeed?) { alerts = feed }

    /// Tells the alerts whether `record`'s server is up, from its shim's state: RUNNING is up; BACKOFF, FATAL,
    /// EXITED or no shim is down; a start or stop in progress says nothing. A stopped add-on is not down.
    private func reportHealth(_ record: AddonRecord) {
        guard let alerts else { return }
        let name = record.name.rawValue
        if record.stopped { return alerts.send(.addon(name: name, up: true)) }
        guard isAlive(record.name) else { return alerts.send(.addon(name: name, up: false)) }
        switch status(record.name)?.state {
        case .running?: alerts.send(.addon(name: name, up: true))
        case .backoff?, .fatal?, .exited?: alerts.send(.addon(name: name, up: false))
        default: break
        }
    }

    func paths(_ name: AppName) -> AddonPaths { AddonPaths(layout: layout, name: name) }

    // MARK: Users and files

    /// The add-on's user, made when missing (nil when dokuend is not root: everything runs as dokuend's user).
    func credentials(_ name: AppName) async throws -> ChildProcess.Credentials? {
        guard accounts.isolated else { return nil }
        let user = AddonUser(name)
        if let entry = try existingUser(user) { return Self.credentials(entry) }
        try await AppAccounts.gate.holding {
            if try existingUser(user) != nil { return }
            let output = try await AddonCommand.run(
                "useradd", "/usr/sbin/useradd",
                [
                    "--system", "--user-group", "--no-create-home", "--home-dir", paths(name).directory,
                    "--shell", "/usr/sbin/nologin", "--comment", user.comment, user.name,
                ])
            guard output.status == .exited(0) else {
                throw APIError(.internal, "unable to create the user \(user.name) of add-on \(name): \(output.text)")
            }
            DaemonLog.info("addon:\(name)", "created the user \(user.name)")
        }
        guard let entry = try existingUser(user) else {
            throw APIError(.internal, "unable to create the user \(user.name) of add-on \(name): it is not there")
        }
        return Self.credentials(entry)
    }

    func existingUser(_ user: AddonUser) throws -> UserEntry? {
        guard let entry = UserEntry.named(user.name) else { return nil }
        guard entry.comment == user.comment, entry.uid != 0 else {
            throw APIError(
                .conflict,
                "unable to use the user \(user.name) for add-on \(user.addon): it exists and is not this add-on's "
                    + "(its comment is '\(entry.comment)')")
        }
        return entry
    }

    static func credentials(_ entry: UserEntry) -> ChildProcess.Credentials {
        ChildProcess.Credentials(uid: entry.uid, gid: entry.gid, groups: [entry.gid])
    }

    /// Makes the add-on's directories and gives them to its user: 0700, so no app (another user) reads anything.
    func secure(_ paths: AddonPaths, _ credentials: ChildProcess.Credentials?) throws {
        try Posix.mkdir(layout.root + "/addons", mode: 0o711, existingOK: true)
        for directory in [paths.directory, paths.data, paths.sockets, paths.logs, paths.scratch] {
            try Posix.mkdir(directory, mode: 0o700, existingOK: true)
        }
        guard let credentials else { return }
        for directory in [paths.directory, paths.data, paths.sockets, paths.scratch] {
            try Ownership.set(directory, uid: credentials.uid, gid: credentials.gid, mode: 0o700)
        }
        // The shim (root) writes the logs; the server never needs them.
        try Ownership.set(paths.logs, uid: 0, gid: 0, mode: 0o700)
    }

    /// Writes `text` to `path`, 0600, owned by the add-on's user.
    func writePrivate(_ text: String, to path: String, _ credentials: ChildProcess.Credentials?) throws {
        try AtomicFile.write(Array(text.utf8), to: path, mode: 0o600)
        if let credentials { try Ownership.set(path, uid: credentials.uid, gid: credentials.gid, mode: 0o600) }
    }

    // MARK: Create

    /// Creates, starts and waits for a new add-on. All or nothing: when its server does not come up, everything it
    /// made is removed again and the error says why (with the end of its log).
    public func create(kind: AddonKind, name: AppName, actor: String) async throws -> AddonRecord {
        guard !busy.contains(name), try await store.addon(named: name) == nil else {
            throw StoreError.addonExists(name)
        }
        busy.insert(name)
        defer { busy.remove(name) }
        let version = try await AddonServer.installedVersion(kind)
        let paths = paths(name)
        // Data an earlier add-on of this name left (destroyed without --purge) is taken over when it is of the
        // same kind; anything else there is never overwritten.
        let kept = Posix.isDirectory(paths.directory)
        if kept, !Self.holdsData(of: kind, paths) {
            throw APIError(
                .conflict,
                "unable to create add-on \(name): \(paths.directory) holds data that is not a \(kind) add-on's; "
                    + "remove it or choose another name")
        }
        let record = try await store.createAddon(
            name, kind: kind, version: version, range: portRange, busy: Posix.listeningTCPPorts(), actor: actor)
        do {
            let credentials = try await credentials(name)
            try secure(paths, credentials)
            if !kept || AddonServer.secret(paths) == nil {
                try writePrivate(AddonServer.password() + "\n", to: paths.secret, credentials)
            }
            if kind == .postgres, !Posix.isDirectory(paths.data + "/base") {
                try await initdb(record, paths, credentials)
            }
            try await start(record, credentials: credentials)
            try await waitUntilReady(record)
            lastPIDs[name] = status(name)?.pid
            return record
        } catch {
            await stopShim(name)
            try? Posix.removeTree(paths.serviceDirectory)
            if !kept {
                try? Posix.removeTree(paths.directory)
                try? await removeUser(name)
            }
            try? await store.destroyAddon(name, actor: actor)
            throw error
        }
    }

    static func holdsData(of kind: AddonKind, _ paths: AddonPaths) -> Bool {
        switch kind {
        case .postgres: Posix.exists(paths.data + "/PG_VERSION")
        case .redis: !Posix.exists(paths.data + "/PG_VERSION")
        }
    }

    /// `initdb` as the add-on's user: UTF-8, the C locale, the superuser `dokuen_admin` with the generated
    /// password (SCRAM), then dokuend's pg_hba.conf.
    func initdb(_ record: AddonRecord, _ paths: AddonPaths, _ credentials: ChildProcess.Credentials?) async throws {
        try Posix.removeTree(paths.data)
        try Posix.mkdir(paths.data, mode: 0o700)
        if let credentials { try Ownership.set(paths.data, uid: credentials.uid, gid: credentials.gid, mode: 0o700) }
        let output = try await AddonCommand.run(
            "initdb", AddonServer.postgresBin(record.version) + "/initdb",
            [
                "-D", paths.data, "-U", AddonDatabaseName.superuser, "--pwfile=" + paths.secret,
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
            ], environment: AddonServer.environment(paths), directory: paths.directory, user: credentials,
            timeout: .seconds(120))
        guard output.status == .exited(0) else {
            throw APIError(
                .internal,
                "unable to create add-on \(record.name): initdb failed (\(output.status)): "
                    + output.lines.suffix(3).joined(separator: " "))
        }
        try writePrivate(AddonServer.postgresHBA, to: paths.data + "/pg_hba.conf", credentials)
    }

    // MARK: Start, stop, readiness

    /// Starts the add-on's shim unless one is alive; refuses data its installed binaries cannot read.
    func start(_ record: AddonRecord, credentials known: ChildProcess.Credentials?? = nil) async throws {
        let paths = paths(record.name)
        if isAlive(record.name) { return }
        if let refusal = await AddonServer.versionRefusal(record, paths) {
            throw APIError(.unavailable, "unable to start add-on \(record.name): \(refusal)")
        }
        let credentials: ChildProcess.Credentials?
        if let known { credentials = known } else { credentials = try await self.credentials(record.name) }
        try secure(paths, credentials)
        if record.kind == .redis {
            guard let password = AddonServer.secret(paths) else {
                throw APIError(.internal, "unable to start add-on \(record.name): its secret is missing")
            }
            try writePrivate(
                AddonServer.redisConfig(record, paths, password: password), to: paths.redisConfig,
                credentials)
        }
        try Posix.mkdir(layout.runDirectory + "/addons", mode: 0o700, existingOK: true)
        try? Posix.removeTree(paths.serviceDirectory)
        let options = AddonServer.shimOptions(
            record, paths, credentials: credentials, eventsSocket: layout.eventsSocket)
        let starter = try ShimStarter(
            shimPath, options, environment: AddonServer.environment(paths), name: "addon:\(record.name)")
        try starter.wait()
        watchShims()
        DaemonLog.info("addon:\(record.name)", "started \(record.kind) \(record.version) on port \(record.port)")
    }

    /// Hands the live add-on shims to the watcher.
    func watchShims() {
        guard let shimWatcher else { return }
        let names = ((try? Posix.listDirectory(layout.runDirectory + "/addons")) ?? []).compactMap {
            try? AppName($0)
        }
        shimWatcher.watch(
            names.compactMap { name in
                guard isAlive(name), let pid = status(name)?.shimPID, pid > 0 else { return nil }
                return ShimWatcher.Shim(pid: pid, directory: paths(name).serviceDirectory)
            })
    }

    func isAlive(_ name: AppName) -> Bool {
        (try? FileLock.isHeld(paths(name).serviceDirectory + "/lock")) ?? false
    }

    func status(_ name: AppName) -> StatusRecord? {
        (try? Posix.readFile(paths(name).serviceDirectory + "/status")).flatMap {
            StatusRecord(decoding: String(decoding: $0, as: UTF8.self))
        }
    }

    /// RUNNING and answering: the shim says RUNNING (the port accepts) and the server answers its own probe.
    func isReady(_ record: AddonRecord) async -> Bool {
        guard isAlive(record.name), status(record.name)?.state == .running else { return false }
        return await AddonServer.isReady(record, paths(record.name))
    }

    /// Waits until the add-on answers, probing every 100 ms (a server's readiness is not an event its shim
    /// reports), or fails with the end of its log once `milliseconds` passed or its shim gave up.
    func waitUntilReady(_ record: AddonRecord, milliseconds: Int = readyMilliseconds) async throws {
        let end = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
        while ContinuousClock.now < end {
            if await isReady(record) { return }
            if !isAlive(record.name) || status(record.name)?.state == .fatal { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let tail = LogTail.read(paths(record.name).log, sinceMilliseconds: 0).suffix(5)
        throw APIError(
            .unavailable,
            "unable to start add-on \(record.name): its server did not answer"
                + (tail.isEmpty ? "" : "; its log ends: " + tail.joined(separator: " | ")))
    }

    /// Stops the add-on's shim (`x`: the stop signal, then SIGKILL at the deadline) and waits until it is gone.
    func stopShim(_ name: AppName) async {
        let directory = paths(name).serviceDirectory
        guard isAlive(name) else { return }
        try? ShimControl.send(.exit, toDirectory: directory)
        let end = ContinuousClock.now.advanced(by: .seconds(45))
        while isAlive(name), ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
    }

    func removeUser(_ name: AppName) async throws {
        guard accounts.isolated, let entry = try existingUser(AddonUser(name)) else { return }
        for pid in Ownership.processes(of: entry.uid) { _ = try? Posix.kill(pid, 9) }
        try await AppAccounts.gate.holding {
            let output = try await AddonCommand.run("userdel", "/usr/sbin/userdel", [entry.name])
            guard output.status == .exited(0) else {
                throw APIError(.internal, "unable to remove the user \(entry.name): \(output.text)")
            }
        }
    }

    // MARK: Boot and tending

    /// At dokuend's start, before the apps: re-adopts every live add-on shim, starts the others, and waits (up to a
    /// minute each) until they answer, so that apps linked to them find them up. A failure is logged; the apps
    /// still start.
    public func boot() async {
        guard let records = try? await store.addons() else { return }
        for record in records where !record.stopped {
            do {
                if !isAlive(record.name) { try await start(record) }
                try await waitUntilReady(record)
            } catch {
                DaemonLog.error("addon:\(record.name)", "\(error)")
            }
            lastPIDs[record.name] = status(record.name)?.pid
        }
        watchShims()
    }

    /// After every change the reconcile loop announces (a shim's event, a shim's death): starts the shim of an add-on
    /// that has none, and restarts the apps that follow an add-on whose server restarted, once it answers again.
    public func tend() async {
        guard let records = try? await store.addons() else { return }
        defer { for record in records { reportHealth(record) } }
        for record in records where !busy.contains(record.name) && !record.stopped {
            if !isAlive(record.name) {
                do {
                    try await start(record)
                    DaemonLog.info("addon:\(record.name)", "its shim was gone; started it again")
                    refusals[record.name] = nil
                } catch {
                    // Said once per reason, not at every change while it stays refused (another version's data).
                    if refusals[record.name] != "\(error)" { DaemonLog.error("addon:\(record.name)", "\(error)") }
                    refusals[record.name] = "\(error)"
                }
            }
            guard let pid = status(record.name)?.pid, pid > 0 else { continue }
            let before = lastPIDs[record.name]
            lastPIDs[record.name] = pid
            guard let before, before != 0, before != pid else { continue }
            try? await store.appendEvent(
                actor: "dokuend", app: nil, action: "addon.restart",
                detail: "\(record.name): its server restarted (pid \(before) → \(pid))")
            busy.insert(record.name)
            defer { busy.remove(record.name) }
            do { try await waitUntilReady(record) } catch {
                DaemonLog.error("addon:\(record.name)", "\(error)")
                continue
            }
            await restartFollowers(of: record.name)
        }
    }

    /// The add-ons `app` is linked to that do not answer now (`InstanceSupervisor.waitUntilReady` waits for them).
    public func unready(linkedTo app: AppName) async -> [String] {
        guard let links = try? await store.addonLinks() else { return [] }
        var unready: [String] = []
        for link in links where link.app == app {
            guard let record = try? await store.addon(named: link.addon) else { continue }
            if await !isReady(record) { unready.append(link.addon.rawValue) }
        }
        return unready
    }

    /// Restarts, in place, every app linked to `addon` whose link follows it.
    func restartFollowers(of addon: AppName) async {
        guard let links = try? await store.addonLinks(addon: addon) else { return }
        for link in links where link.follow {
            do {
                let target = try Target(link.app.rawValue)
                let sent = try await supervisor.send(.restart, targets: [target])
                DaemonLog.info("addon:\(addon)", "restarted \(sent.count) instance(s) of \(link.app), which follows it")
                try? await store.appendEvent(
                    actor: "dokuend", app: link.app, action: "addon.follow",
                    detail: "restarted after add-on \(addon) restarted")
            } catch {
                DaemonLog.info("addon:\(addon)", "\(link.app) follows it but has no running instance to restart")
            }
        }
    }

    /// Restarts the add-on's server in place (`dokuen addons restart`); the apps that follow it restart once it
    /// answers again.
    public func restart(_ name: AppName) async throws -> AddonRecord {
        guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
        guard !record.stopped else {
            throw APIError(.conflict, "unable to restart add-on \(name): it is stopped (dokuen start addon:\(name))")
        }
        guard isAlive(name) else { throw APIError(.conflict, "unable to restart add-on \(name): it is not running") }
        try ShimControl.send(.restart, toDirectory: paths(name).serviceDirectory)
        return record
    }

    /// `dokuen stop|start addon:NAME` (and `stop all`, `start all`): desired state, kept across dokuend restarts. A
    /// stop returns once the server is gone; a start once it answers.
    public func setStopped(_ name: AppName, _ stopped: Bool, actor: String) async throws -> AddonRecord {
        guard try await store.addon(named: name) != nil else { throw StoreError.addonNotFound(name) }
        busy.insert(name)
        defer { busy.remove(name) }
        try await store.setAddonStopped(name, stopped: stopped, actor: actor)
        guard let record = try await store.addon(named: name) else { throw StoreError.addonNotFound(name) }
        if stopped {
            await stopShim(name)
            lastPIDs[name] = nil
        } else {
            if !isAlive(name) { try await start(record) }
            try await waitUntilReady(record)
            lastPIDs[name] = status(name)?.pid
        }
        return record
    }

    // MARK: Destroy

    /// Stops the add-on and forgets it. Refused while apps are linked, unless `force` (which unlinks them first,
    /// through `unlink`); its data stays in `addons/NAME/` unless `purge`.
    public func destroy(
        _ name: AppName, purge: Bool, force: Bool, actor: String,
        unlink: (AddonLinkRecord) async throws -> Void
    ) async throws {
        guard try await store.addon(named: name) != nil else { throw StoreError.addonNotFound(name) }
        let links = try await store.addonLinks(addon: name)
        if !links.isEmpty, !force {
            throw APIError(
                .conflict,
                "unable to destroy add-on \(name): \(links.map(\.app.rawValue).joined(separator: ", ")) "
                    + "\(links.count == 1 ? "is" : "are") linked to it; unlink first, or give --force")
        }
        for link in links { try await unlink(link) }
        guard !busy.contains(name) else {
            throw APIError(.conflict, "unable to destroy add-on \(name): it is being changed; try again")
        }
        busy.insert(name)
        defer { busy.remove(name) }
        await stopShim(name)
        try await store.destroyAddon(name, actor: actor)
        lastPIDs[name] = nil
        let paths = paths(name)
        try? Posix.removeTree(paths.serviceDirectory)
        watchShims()
        if purge {
            try Posix.removeTree(paths.directory)
            try await removeUser(name)
        }
    }

    // MARK: Info

    public func info(_ record: AddonRecord) async throws -> AddonInfo {
        let paths = paths(record.name)
        let status = status(record.name)
        let alive = isAlive(record.name)
        let ready = alive ? await isReady(record) : false
        let state: String
        if !alive {
            state = "STOPPED"
        } else if ready {
            state = "RUNNING"
        } else if let status, status.state != .running {
            state = status.state.name
        } else {
            state = "STARTING"
        }
        let links = try await store.addonLinks(addon: record.name)
        return AddonInfo(
            name: record.name.rawValue, kind: record.kind.rawValue, version: record.version, state: state,
            port: record.port, pid: alive && (status?.pid ?? 0) > 0 ? status?.pid : nil,
            restarts: status?.restarts ?? 0, dataBytes: Self.size(of: paths.data), createdAt: record.createdAt,
            links: links.map { AddonLinkInfo(app: $0.app.rawValue, key: $0.alias.key.rawValue, follow: $0.follow) })
    }

    /// The bytes of the regular files under `path`, not following symlinks.
    static func size(of path: String) -> Int64 {
        var total: Int64 = 0
        var pending = [path]
        while let directory = pending.popLast() {
            for name in (try? Posix.listDirectory(directory)) ?? [] {
                let child = directory + "/" + name
                guard let info = try? Posix.lstat(child) else { continue }
                if info.kind == .directory {
                    pending.append(child)
                } else if info.kind == .regular {
                    total += info.size
                }
            }
        }
        return total
    }
}
