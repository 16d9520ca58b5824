import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenRouting
import DokuenStore

/// nginx routing (docs/MODES.md): one generated file per app in `<root>/nginx/`, listing the RUNNING web instances
/// of the release that serves, and TLS with a redirect from plain HTTP when the app has a certificate
/// (`apps/<app>/tls/`). Off (nil installer) when there is no nginx; apps are then reached on their ports.
/// An actor whose updates run one at a time, start to finish (`exclusively`): an actor alone lets a call run at
/// every `await` of another, so an update that read the instances before a cutover's switch could install its
/// stale file after the switch's own, and nginx would answer 503 until the next one.
public actor Routing {
    let installer: NginxInstaller?
    let settings: RouteSettings
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor
    /// During a cutover, from the switch until the release is recorded: the candidate that takes traffic.
    var pinned: [AppName: ReleaseID] = [:]
    /// Per app, the `web` indexes taken out of the upstream by a formation change or stop about to be recorded
    /// (`drain`), until it is (`drain(app, webIndexes: [])`); after that the stored formation keeps them out.
    var draining: [AppName: Set<Int>] = [:]
    /// Per app, the `web` indexes in the upstream of its file as last rendered.
    var routed: [AppName: Set<Int>] = [:]
    /// The apps whose file, as last rendered, serves a static root.
    var servesFiles: Set<AppName> = []
    /// Held by each update from start to finish.
    private let gate = AsyncGate()
    /// The group nginx's workers run as (`dokuend --nginx-group`), which reads an app's htpasswd file; nil: the
    /// file keeps dokuend's own group (a private nginx runs as dokuend's user).
    let workerGroup: UInt32?

    /// Runs `body` holding the gate: each update reads the state it renders after the one before it installed.
    private func exclusively<T>(_ body: () async throws -> T) async rethrows -> T {
        try await gate.holding(body)
    }

    public init(
        nginx: NginxSettings?, settings: RouteSettings, layout: RootLayout, store: Store,
        supervisor: InstanceSupervisor,
        workerGroup: UInt32? = nil
    ) {
        installer = nginx.map { NginxInstaller(settings: $0) }
        self.workerGroup = workerGroup
        self.settings = settings
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
    }

    public var isOn: Bool { installer != nil }

    /// At daemon start: finish what a crash interrupted, install the shared file, route every app, and reload
    /// once (an install that finds its file already there does not).
    public func start() async {
        guard let installer else { return }
        do {
            _ = try await installer.restoreInterrupted()
            _ = try await installer.installShared(settings)
            await exclusively { await renderAll() }
            try await installer.reload()
        } catch {
            DaemonLog.error("routing", "\(error)")
        }
    }

    /// Routes `app` to `release`'s RUNNING web instances from now on (the cutover's switch), or back to its
    /// latest release with nil. Returns whether `app`'s file routed anything (a web instance, a static root) before
    /// this call or does after it: false for an app with no web process and no static root (or with routing off),
    /// whose requests nginx answers alike before and after, so that a cutover has nothing to wait for. Whether the
    /// file changed here says nothing: a pinned candidate's instances enter it as they start, before the switch.
    @discardableResult
    public func pin(_ app: AppName, to release: ReleaseID?) async throws -> Bool {
        try await exclusively {
            pinned[app] = release
            let before = routesAnything(app)
            try await render(app)
            return before || routesAnything(app)
        }
    }

    /// Whether `app`'s file, as last rendered, sends requests anywhere: to a web instance or to a static root.
    private func routesAnything(_ app: AppName) -> Bool {
        !(routed[app] ?? []).isEmpty || servesFiles.contains(app)
    }

    /// Keeps `app`'s web instances at `indexes` out of its upstream from now on (they are about to stop, or
    /// stopped: a scale-down, `dokuen stop`) and rewrites its file. Returns whether one of them was in the upstream
    /// until now: the caller then gives its requests the drain period before stopping it.
    public func drain(_ app: AppName, webIndexes indexes: Set<Int>) async throws -> Bool {
        try await exclusively {
            let before = routed[app] ?? []
            draining[app] = indexes
            try await render(app)
            return !before.isDisjoint(with: indexes)
        }
    }

    /// Re-renders every app's file; unchanged files cost nothing (no `nginx -t`, no reload).
    public func updateAll() async {
        await exclusively { await renderAll() }
    }

    private func renderAll() async {
        guard installer != nil else { return }
        do {
            // One read of every service directory for all apps: this runs after every reconcile pass.
            let statuses = try await supervisor.statuses()
            for app in try await store.apps() {
                do { try await render(app.name, statuses: statuses) } catch {
                    DaemonLog.error("routing \(app.name)", "\(error)")
                }
            }
            for proxy in try await store.proxies() {
                do { try await renderProxy(proxy) } catch { DaemonLog.error("routing proxy \(proxy.name)", "\(error)") }
            }
        } catch {
            DaemonLog.error("routing", "\(error)")
        }
    }

    /// Renders and installs `app`'s file: its domains, and the ports of the RUNNING web instances of the release
    /// that serves (pinned, else the latest).
    public func update(_ app: AppName) async throws {
        try await exclusively { try await render(app) }
    }

    private func render(_ app: AppName) async throws {
        guard installer != nil else { return }
        try await render(app, statuses: try await supervisor.statuses())
    }

    /// Changes `app`'s certificate files with no other routing update in between, so that no other app's
    /// `nginx -t` ever sees a pair in the middle of a change: `apply` writes them (and puts the old ones back itself
    /// when it fails), then `app`'s file is re-rendered and, when its text is the same (a certificate replaced at
    /// the same paths), nginx still tests and reloads, so that it reads the new files. When nginx refuses them,
    /// `revert` puts the old files back before anything else runs, and `RoutingError.configRejected` is thrown;
    /// the app's nginx file is then the one it had.
    public func changeCertificate<T: Sendable>(
        _ app: AppName, apply: @Sendable () async throws -> T, revert: @Sendable () throws -> Void
    ) async throws -> T {
        try await exclusively {
            let result = try await apply()
            do {
                try await certificateChanged(app)
            } catch {
                try revert()
                throw error
            }
            return result
        }
    }

    private func certificateChanged(_ app: AppName) async throws {
        guard let installer else { return }
        let changed: Bool
        if let proxy = try await store.proxy(named: app) {
            changed = try await renderProxy(proxy)
        } else {
            changed = try await render(app, statuses: try await supervisor.statuses())
        }
        if !changed {
            do {
                try await installer.testAndReload(app: app)
            } catch {
                // testAndReload throws RoutingError only (typed throws).
                guard case .reloadFailed = error else { throw error }
                DaemonLog.error("routing \(app)", "nginx was not reloaded: \(error)")
            }
        }
    }

    /// The app's certificate and key when both files are there, as nginx will read them; else the base domain's
    /// wildcard (docs/CERTS.md, Which certificate serves) when there is one and it covers every name the app answers
    /// to: `APP.<base>` and `domains` (each must be one label under the base domain). A proxy gets its own only.
    private func tlsFiles(_ app: AppName, domains: [Hostname]? = []) throws -> TLSFiles? {
        let paths = layout.app(app)
        if try Posix.lstat(paths.certificate) != nil, try Posix.lstat(paths.privateKey) != nil {
            return TLSFiles(certificate: try ConfigPath(paths.certificate), key: try ConfigPath(paths.privateKey))
        }
        guard let domains, wildcardCovers(domains) else { return nil }
        let wildcard = layout.wildcard
        guard try Posix.lstat(wildcard.certificate) != nil, try Posix.lstat(wildcard.privateKey) != nil else {
            return nil
        }
        return TLSFiles(certificate: try ConfigPath(wildcard.certificate), key: try ConfigPath(wildcard.privateKey))
    }

    /// Whether `*.<base>` covers each of `domains` (one label under the base domain).
    func wildcardCovers(_ domains: [Hostname]) -> Bool {
        let suffix = "." + settings.baseDomain.rawValue
        return domains.allSatisfy { domain in
            domain.rawValue.hasSuffix(suffix) && !domain.rawValue.dropLast(suffix.count).contains(".")
        }
    }

    /// Whether nginx serves `app` with the wildcard (it has no certificate of its own).
    public func servesWildcard(_ app: AppName) async -> Bool {
        guard installer != nil, !CertificateFiles(paths: layout.app(app)).isInstalled else { return false }
        guard let host = try? Hostname(app: app, base: settings.baseDomain) else { return false }
        let domains = ((try? await store.domains(app: app)) ?? []).compactMap { try? Hostname($0.hostname) }
        return (try? tlsFiles(app, domains: [host] + domains)) != nil
    }

    /// Changes the wildcard's files as `changeCertificate` changes an app's: `apply` writes them, every app is
    /// rendered again, and nginx tests and reloads; when nginx refuses, `revert` puts the old files back, every app
    /// is rendered again, and the refusal is thrown.
    public func changeWildcard<T: Sendable>(
        apply: @Sendable () async throws -> T, revert: @Sendable () throws -> Void
    ) async throws -> T {
        try await exclusively {
            let result = try await apply()
            guard let installer else { return result }
            do {
                let statuses = try await supervisor.statuses()
                for app in try await store.apps() { _ = try await render(app.name, statuses: statuses) }
                try await installer.testAndReload(app: try AppName("wildcard"))
            } catch {
                try revert()
                await renderAll()
                throw error
            }
            return result
        }
    }

    /// Whether the file changed (false: it already had this content, and nothing ran).
    @discardableResult
    private func render(_ app: AppName, statuses: [InstanceStatus]) async throws -> Bool {
        guard let installer else { return false }
        var release = pinned[app]
        var build: BuildRecord?
        if let pinned = release, let candidate = await supervisor.candidate(of: app), candidate.release == pinned {
            build = candidate.build
        } else if let latest = try await store.latestRelease(app: app) {
            release = release ?? latest.id
            if latest.id == release { build = try await store.build(app: app, id: latest.buildID) }
        }
        var domains: [Hostname] = []
        for record in try await store.domains(app: app) {
            do throws(RoutingError) { domains.append(try Hostname(record.hostname)) } catch {
                DaemonLog.error("routing \(app)", "skipping domain \(record.hostname): \(error)")
            }
        }
        let backend: RouteBackend
        if let build, let root = build.staticRoot {
            let directory = layout.app(app).build(build.stamp)
            servesFiles.insert(app)
            backend = .staticFiles(
                root: try ConfigPath(root.directory(in: directory)), trusted: try ConfigPath(directory))
        } else {
            // Only the web slots the desired formation wants (a scale-down or a stop already recorded takes its
            // instances out before the reconciler stops them), less those a change about to be recorded drains.
            let web = try await supervisor.desired(only: app).first?.processes[try ProcessType("web")]
            var upstreams: [Port] = []
            var indexes: Set<Int> = []
            for status in statuses
            where status.app == app.rawValue && status.type == "web" && status.state == "RUNNING"
                && status.release == release?.description && !(draining[app]?.contains(status.index) ?? false)
                && web.map({ $0.wants(status.index) }) ?? true
            {
                guard let port = status.port else { continue }
                upstreams.append(try Port(port))
                indexes.insert(status.index)
            }
            if indexes.isEmpty, routed[app]?.isEmpty == false {
                let (isError, text) = Self.nothingRouted(
                    app: app, release: release, statuses: statuses, draining: draining[app] ?? [], web: web)
                if isError { DaemonLog.error("routing \(app)", text) } else { DaemonLog.info("routing \(app)", text) }
            }
            routed[app] = indexes
            servesFiles.remove(app)
            backend = .proxy(ports: upstreams)
        }
        var maintenance: MaintenancePage?
        if try await store.inMaintenance(app: app) {
            maintenance = try Self.maintenancePage(
                build.map { layout.app(app).build($0.stamp) }, app: app, layout: layout)
        }
        let config = try RouteConfig(
            app: app, domains: domains, backend: backend,
            tls: try tlsFiles(app, domains: [try Hostname(app: app, base: settings.baseDomain)] + domains),
            settings: settings,
            maintenance: maintenance, access: try await accessRules(app))
        return try await install(installer, app, NginxRenderer.render(config))
    }

    /// `app`'s access rules, with its htpasswd file written first (0640, group `workerGroup`: nginx's workers read
    /// it on each request) or removed when it has no user. A stored rule that no longer parses is skipped, logged.
    private func accessRules(_ app: AppName) async throws -> AccessRules {
        let record = try await store.access(app: app)
        func cidrs(_ texts: [String]) -> [CIDR] {
            texts.compactMap { text in
                do throws(RoutingError) { return try CIDR(text) } catch {
                    DaemonLog.error("routing \(app)", "skipping access rule \(text): \(error)")
                    return nil
                }
            }
        }
        let file = Self.passwordFile(app, layout: layout)
        var lines = ""
        for entry in record.users {
            guard (try? BasicAuthUser(entry.user)) != nil, (try? PasswordHash(entry.hash)) != nil else {
                DaemonLog.error("routing \(app)", "skipping basic-auth user \(entry.user): not a valid entry")
                continue
            }
            lines += "\(entry.user):\(entry.hash)\n"
        }
        guard !lines.isEmpty else {
            try Posix.removeTree(file)
            return AccessRules(deny: cidrs(record.deny), allow: cidrs(record.allow))
        }
        if (try? Posix.readFile(file)) != Array(lines.utf8) {
            try AtomicFile.write(Array(lines.utf8), to: file, mode: 0o640)
        }
        if let workerGroup { try Ownership.set(file, uid: Posix.geteuid(), gid: workerGroup, mode: 0o640) }
        return AccessRules(deny: cidrs(record.deny), allow: cidrs(record.allow), passwordFile: try ConfigPath(file))
    }

    /// `<root>/apps/APP/htpasswd`: inside the app's directory, which is passable (0711) but not listable.
    static func passwordFile(_ app: AppName, layout: RootLayout) -> String { layout.app(app).directory + "/htpasswd" }

    /// The largest `maintenance.html` copied; a larger one is not shown (ours is).
    static let maxMaintenancePageBytes: Int64 = 1 << 20

    /// The page of an app in maintenance: `maintenance.html` at the top of the build directory that serves, when it
    /// is a regular file there (not a symlink) of at most 1 MiB, else ours. nginx's workers cannot read an app's
    /// build (`releases/` is 0750), so the file is copied to `<root>/pages/APP/` (0755, the file 0644), which
    /// dokuend alone writes; nothing else of the build is exposed.
    static func maintenancePage(_ buildDirectory: String?, app: AppName, layout: RootLayout) throws -> MaintenancePage {
        let directory = layout.pagesDirectory + "/" + app.rawValue
        // Opened without following a symlink, and only a regular file of the size allowed (`readUserFile`).
        guard let buildDirectory,
            let page = try? Posix.readUserFile(
                buildDirectory + "/" + MaintenancePage.fileName, limit: Int(maxMaintenancePageBytes))
        else { return .builtin }
        try Posix.mkdir(layout.pagesDirectory, mode: 0o755, existingOK: true)
        try Posix.mkdir(directory, mode: 0o755, existingOK: true)
        let copy = directory + "/" + MaintenancePage.fileName
        if (try? Posix.readFile(copy)) != page { try AtomicFile.write(page, to: copy, mode: 0o644) }
        return .file(directory: try ConfigPath(directory))
    }

    /// Which page `app` shows in maintenance, as `dokuen maintenance` names it: `maintenance.html` when the build
    /// that serves has one nginx can show.
    public func maintenancePageName(of app: AppName) async throws -> String {
        guard let latest = try await store.latestRelease(app: app) else { return "built-in" }
        let build = try await store.build(app: app, id: latest.buildID)
        let file = layout.app(app).build(build.stamp) + "/" + MaintenancePage.fileName
        guard let info = try Posix.lstat(file), info.kind == .regular, info.size <= Self.maxMaintenancePageBytes
        else { return "built-in" }
        return MaintenancePage.fileName
    }

    /// What the log says when no web instance of `app` is routed any more: an error, naming each web instance and
    /// why it takes no requests, unless web is stopped or scaled to 0, which is what the user asked for.
    static func nothingRouted(
        app: AppName, release: ReleaseID?, statuses: [InstanceStatus], draining: Set<Int>, web: DesiredProcess?
    ) -> (isError: Bool, text: String) {
        if let web, !(1...max(web.count, 1)).contains(where: web.wants) {
            return (false, "web is stopped or scaled to 0; nginx answers 503")
        }
        let seen = statuses.filter { $0.app == app.rawValue && $0.type == "web" }.map { status in
            let why =
                if status.state != "RUNNING" { status.state } else if status.release != release?.description {
                    "RUNNING, not the routed release"
                } else if draining.contains(status.index) {
                    "RUNNING, draining"
                } else if web.map({ !$0.wants(status.index) }) ?? false { "RUNNING, not wanted" } else {
                    "RUNNING, no port"
                }
            return "web.\(status.index)@\(status.release) \(why)"
        }
        return (
            true,
            "no web instance of \(release?.description ?? "any release") can take requests "
                + "(\(seen.isEmpty ? "none runs" : seen.joined(separator: ", "))); nginx answers 503"
        )
    }

    /// Installs a file; a failed reload is only logged: the file passed `nginx -t` and is in place, and an nginx
    /// that is not running (a fresh machine) reads it when it starts. Not a reason to fail a deploy.
    private func install(_ installer: NginxInstaller, _ app: AppName, _ contents: String) async throws -> Bool {
        do {
            return try await installer.install(app: app, contents: contents)
        } catch {
            guard case .reloadFailed = error else { throw error }
            DaemonLog.error("routing \(app)", "nginx was not reloaded: \(error)")
            return true
        }
    }

    /// Renders and installs a proxy's file (`dokuen proxies add`), with its certificate when it has one (at the
    /// same path an app of that name would have: proxies and apps share one namespace) and its access rules.
    public func updateProxy(_ name: AppName) async throws {
        try await exclusively {
            guard let proxy = try await store.proxy(named: name) else { return }
            try await renderProxy(proxy)
        }
    }

    /// Removes a proxy's file.
    public func removeProxy(_ name: AppName) async throws {
        try await exclusively {
            guard let installer else { return }
            try await installer.remove(proxy: name)
        }
    }

    @discardableResult
    private func renderProxy(_ proxy: ProxyRecord) async throws -> Bool {
        guard let installer else { return false }
        let config = RouteConfig(
            proxy: proxy.name, hostname: try Hostname(proxy.hostname), upstream: try UpstreamURL(proxy.upstream),
            tls: try tlsFiles(proxy.name, domains: nil), settings: settings, access: try await accessRules(proxy.name))
        do {
            return try await installer.install(proxy: proxy.name, contents: NginxRenderer.render(config))
        } catch {
            guard case .reloadFailed = error else { throw error }
            DaemonLog.error("routing proxy \(proxy.name)", "nginx was not reloaded: \(error)")
            return true
        }
    }

    /// `<app>.<base domain>` when routing is on.
    public func hostname(of app: AppName) -> String? {
        guard installer != nil else { return nil }
        return (try? Hostname(app: app, base: settings.baseDomain))?.rawValue
    }

    /// `https://<app>.<base domain>[:port]/` when routing is on and the app has a certificate, `http://…` when it
    /// has none; nil when routing is off.
    public func url(of app: AppName) -> String? {
        guard installer != nil, let host = try? Hostname(app: app, base: settings.baseDomain) else { return nil }
        if (try? tlsFiles(app, domains: [host])) != nil {
            let port = settings.tlsPort.rawValue == 443 ? "" : ":\(settings.tlsPort.rawValue)"
            return "https://\(host.rawValue)\(port)/"
        }
        let port = settings.listenPort.rawValue == 80 ? "" : ":\(settings.listenPort.rawValue)"
        return "http://\(host.rawValue)\(port)/"
    }

    /// Removes a destroyed app's file.
    public func remove(_ app: AppName) async throws {
        try await exclusively {
            pinned[app] = nil
            draining[app] = nil
            routed[app] = nil
            servesFiles.remove(app)
            guard let installer else { return }
            try await installer.remove(app: app)
        }
    }
}
