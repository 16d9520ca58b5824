import ArgumentParser
import DokuenCore
import DokuenDaemon
import DokuenDashboard
import DokuenPosix
import DokuenRouting
import DokuenStore
import DokuenSystemd
import Logging
import ServiceLifecycle
import Synchronization

/// `dokuend`, the control plane: it prepares the root, opens the state store as its single writer, re-adopts the
/// shims, serves the API on the control socket, routes through nginx (the system's as root, a private one
/// otherwise: docs/MODES.md), tells systemd it is ready and keeps the watchdog fed until SIGTERM, SIGINT or
/// `dokuen shutdown`. Everything that waits is a service of one `ServiceGroup`.
@main
struct Dokuend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dokuend",
        abstract: "The Dokuen control daemon.",
        discussion: """
            Runs in the foreground. The root is --root DIR, else $DOKUEN_ROOT, else /var/lib/dokuen when run as \
            root, else ~/.local/share/dokuen. SIGTERM or SIGINT stops the daemon; apps keep running.
            """,
        version: DokuenVersion.current)

    @Option(name: .long, help: ArgumentHelp("The root directory.", valueName: "dir"))
    var root: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The TCP ports instances lease from; ports other programs listen on are skipped.", valueName: "low-high"))
    var ports = "5000-5999"

    /// `--ports` as a range, or a usage error that says what is wrong.
    func portRange() throws -> ClosedRange<Int> {
        switch NumericOption.portRange(ports) {
        case .success(let range): return range
        case .failure(let refusal): throw ValidationError(refusal.description)
        }
    }

    @Option(name: .long, help: "Releases kept per app, 2 to 1000; builds no kept release uses are deleted.")
    var keepReleases = 5

    @Option(name: .long, help: "Seconds a buildpack step may run before its process group is killed, 1 to 86400.")
    var buildTimeout = 900

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The built-in buildpacks (default: ../lib/dokuen/buildpacks beside the binary, or the source tree's).",
            valueName: "dir"))
    var buildpacks: String?

    @Option(
        help: ArgumentHelp(
            "The nginx binary, or off (default: nginx on PATH or in an sbin; routing is off without one). As root, "
                + "the system's nginx, which includes ROOT/nginx/*.conf; otherwise a private nginx master under "
                + "ROOT/run/nginx (docs/MODES.md).",
            valueName: "path|off"))
    var nginx: String?

    @Option(
        name: .customLong("nginx-arg"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "An argument for every nginx command (-t, -s reload), e.g. -c FILE; repeatable.", valueName: "arg"))
    var nginxArguments: [String] = []

    @Option(
        name: .customLong("nginx-reload"),
        help: ArgumentHelp(
            "The command that makes nginx load new files, split on spaces, run without a shell "
                + "(default: nginx [--nginx-arg…] -s reload), e.g. \"/usr/bin/systemctl reload nginx\".",
            valueName: "command"))
    var nginxReload: String?

    @Option(
        help: ArgumentHelp(
            "nginx's client_max_body_size for every app: a number with an optional k, m or g; 0 for no limit.",
            valueName: "size"))
    var clientMaxBodySize = "100m"

    @Option(help: "The port nginx's server blocks listen on, 1 to 65535 (default: 80 as root, 8080 otherwise).")
    var httpPort: Int?

    @Option(
        help: ArgumentHelp(
            "The port nginx's TLS server blocks listen on, 1 to 65535, for apps with a certificate (dokuen certs) "
                + "(default: 443 as root, 8443 otherwise)."))
    var httpsPort: Int?

    /// nginx's HTTP and TLS ports, given or by default.
    var listenPorts: (http: Int, https: Int) {
        let root = Posix.geteuid() == 0
        return (httpPort ?? (root ? 80 : 8080), httpsPort ?? (root ? 443 : 8443))
    }

    /// Whether this dokuend runs its own nginx: not root, and nginx's configuration not given by the options.
    var usesPrivateNginx: Bool { Posix.geteuid() != 0 && nginxArguments.isEmpty && nginxReload == nil }

    @Option(help: ArgumentHelp("Apps are reached at APP.DOMAIN.", valueName: "domain")) var baseDomain = "localhost"

    @Option(
        help: ArgumentHelp(
            "Where an ACME client writes http-01 challenges (dokuen certs auto's lego, or certbot --webroot); nginx "
                + "serves them on every app's plain HTTP port, also for apps with a certificate.", valueName: "dir"))
    var acmeWebroot: String?

    @Option(
        help: ArgumentHelp(
            "The account e-mail for automatic certificates (dokuen certs auto; docs/CERTS.md), as in "
                + "admin@example.com; required before any is asked for.", valueName: "email"))
    var acmeEmail: String?

    @Option(
        help: ArgumentHelp(
            "The ACME CA's directory URL, https (http only on the loopback), e.g. Let's Encrypt's staging "
                + "https://acme-staging-v02.api.letsencrypt.org/directory (default: Let's Encrypt's production).",
            valueName: "url"))
    var acmeDirectory: String?

    @Option(
        help: ArgumentHelp(
            "How DNS-01 challenges (certs auto --dns, the wildcard) are answered: rfc2136:FILE (RFC 2136 updates; "
                + "FILE holds RFC2136_NAMESERVER=, RFC2136_TSIG_KEY=, RFC2136_TSIG_SECRET=, RFC2136_TSIG_ALGORITHM= "
                + "lines, root's, 0600) or exec:HOOK (run as HOOK present|cleanup FQDN VALUE; root's or dokuend's "
                + "user's, not writable by others).", valueName: "rfc2136:file|exec:hook"))
    var acmeDns: String?

    @Option(
        help: ArgumentHelp(
            "A PEM file of CA roots to trust for --acme-directory (a private CA).", valueName: "file"))
    var acmeCaCertificates: String?

    @Option(
        name: .customLong("acme-dns-resolver"),
        help: ArgumentHelp(
            "A DNS server (HOST:PORT) that must see a DNS-01 record before the CA is asked to check it; repeatable. "
                + "Given, the names' authoritative servers are not asked as well (default: the system's resolvers, "
                + "then the authoritative servers).", valueName: "host:port"))
    var acmeDnsResolvers: [String] = []

    /// The ACME settings, checked (files included) against dokuend's user.
    func acmeSettings() throws -> AcmeSettings {
        do {
            return try AcmeSettings(
                email: acmeEmail, directory: acmeDirectory, dns: acmeDns, caCertificates: acmeCaCertificates,
                resolvers: acmeDnsResolvers, euid: Posix.geteuid())
        } catch { throw ValidationError(error.description) }
    }

    @Option(
        help: "After routing switches to a new release, milliseconds the old instances keep running, 0 to 600000.")
    var drainMilliseconds = 2_000

    @Option(
        help: ArgumentHelp(
            "Seconds a new release's instances have to become RUNNING and its web instances to accept on $PORT, "
                + "1 to 3600.",
            valueName: "seconds"))
    var bootTimeout = 60

    @Option(
        help: ArgumentHelp(
            "The restic repository backups go to: a directory outside the root, sftp:user@host:/path, s3:…, rest:… "
                + "(docs/BACKUP.md).", valueName: "repo"))
    var backupRepo: String?

    @Option(
        help: ArgumentHelp(
            "The file holding the repository's password, readable only by dokuend's user (root: owned by root, no "
                + "group or other access; otherwise 600). Required with --backup-repo.", valueName: "file"))
    var backupPasswordFile: String?

    @Option(
        help: ArgumentHelp(
            "A restic option, KEY=VALUE, passed as -o KEY=VALUE; repeatable, e.g. "
                + "sftp.command=\"ssh -i /root/.ssh/backup backup@host -s sftp\".", valueName: "key=value"))
    var backupOption: [String] = []

    @Option(
        help: ArgumentHelp(
            "The sendmail that alert e-mails go through (dokuen notify add email; docs/ALERTS.md), run as "
                + "sendmail -t -i with the message on stdin: msmtp's, or any MTA's.", valueName: "path"))
    var sendmail = "/usr/sbin/sendmail"

    @Option(help: "Seconds one alert may take to send (curl's --max-time, sendmail's run), 1 to 600.")
    var notifyTimeout = 30

    /// The backup settings, checked against the root and dokuend's user; nil without --backup-repo.
    func backupSettings(root: String) throws -> BackupSettings? {
        guard let backupRepo, let backupPasswordFile else { return nil }
        return try BackupSettings(
            repository: backupRepo, passwordFile: backupPasswordFile, options: backupOption, root: root,
            euid: Posix.geteuid())
    }

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A proxy in front of nginx (CIDR, repeatable) whose X-Forwarded-For names the client, for access rules; "
                + "none by default.",
            valueName: "cidr"))
    var trustedProxies: [String] = []

    @Option(
        help: ArgumentHelp(
            "The group nginx's workers run as, which reads basic-auth files (default: www-data when it exists, as "
                + "root).",
            valueName: "group"))
    var nginxGroup: String?

    @Option(
        help: ArgumentHelp(
            "Serve the web dashboard on HOST:PORT, such as 127.0.0.1:8081 (off by default); sign in with the token "
                + "of `dokuen dashboard token`. Reach it from afar through nginx with TLS (docs/DASHBOARD.md).",
            valueName: "host:port"))
    var dashboard: String?

    /// Where the dashboard listens, nil when it is off.
    func dashboardAddress() throws -> DashboardAddress? {
        guard let dashboard else { return nil }
        do { return try DashboardAddress(dashboard) } catch { throw ValidationError(error.description) }
    }

    /// The gid that owns htpasswd files: `--nginx-group`, else www-data as root; nil otherwise.
    func workerGroup() throws -> UInt32? {
        if let nginxGroup {
            guard let gid = UserEntry.groupID(nginxGroup) else {
                throw ValidationError("invalid --nginx-group \"\(nginxGroup)\": there is no such group")
            }
            return gid
        }
        return Posix.geteuid() == 0 ? UserEntry.groupID("www-data") : nil
    }

    /// The routing settings, or nil when routing is off.
    func routing() throws -> (NginxSettings, RouteSettings)? {
        if nginx == "off" { return nil }
        guard let binary = nginx ?? NginxSettings.findBinary(searchPath: Posix.environment()["PATH"]) else {
            return nil
        }
        guard binary.hasPrefix("/") else {
            throw ValidationError("--nginx takes an absolute path or off, got '\(binary)'")
        }
        var route = RouteSettings.standard
        let (httpPort, httpsPort) = listenPorts
        route.loopbackOnly = usesPrivateNginx
        do {
            route.baseDomain = try Hostname(baseDomain)
            route.listenPort = try Port(httpPort)
            route.tlsPort = try Port(httpsPort)
            route.acmeWebroot = try acmeWebroot.map { (path) throws(RoutingError) in try ConfigPath(path) }
            route.clientMaxBodySize = try BodySize(clientMaxBodySize)
            route.trustedProxies = try trustedProxies.map { (text) throws(RoutingError) in try CIDR(text) }
        } catch { throw ValidationError(error.description) }
        var reload: [String]?
        if let nginxReload {
            let words = nginxReload.split(separator: " ").map(String.init)
            guard words.first?.hasPrefix("/") == true else {
                throw ValidationError(
                    "--nginx-reload takes a command that starts with an absolute path, got '\(nginxReload)'")
            }
            reload = words
        }
        return (
            NginxSettings(directory: "", binary: binary, configArguments: nginxArguments, reloadCommand: reload), route
        )
    }

    /// Every number is checked first, whatever else is on (routing off included), then what depends on routing.
    func validate() throws {
        _ = try portRange()
        let numbers: [(NumericOption, Int?)] = [
            (.keepReleases, keepReleases), (.buildTimeout, buildTimeout), (.drainMilliseconds, drainMilliseconds),
            (.bootTimeout, bootTimeout), (.httpPort, httpPort), (.httpsPort, httpsPort),
            (.notifyTimeout, notifyTimeout),
        ]
        for case (let option, let value?) in numbers {
            if let refusal = option.refusal(value) { throw ValidationError(refusal) }
        }
        let (http, https) = listenPorts
        guard http != https else {
            throw ValidationError("--http-port and --https-port must differ; both are \(http)")
        }
        do { _ = try BodySize(clientMaxBodySize) } catch { throw ValidationError(error.description) }
        guard sendmail.hasPrefix("/") else {
            throw ValidationError("invalid --sendmail \"\(sendmail)\": it takes an absolute path")
        }
        guard (backupRepo == nil) == (backupPasswordFile == nil) else {
            throw ValidationError("--backup-repo and --backup-password-file go together; give both or neither")
        }
        guard backupOption.isEmpty || backupRepo != nil else {
            throw ValidationError("--backup-option needs --backup-repo")
        }
        // Checked with routing off too, as the numbers are: a typo is refused before it waits for an nginx.
        for text in trustedProxies {
            do { _ = try CIDR(text) } catch { throw ValidationError("invalid --trusted-proxy: \(error)") }
        }
        _ = try workerGroup()
        _ = try dashboardAddress()
        _ = try routing()
        _ = try acmeSettings()
    }

    /// The daemon's settings from its options.
    func settings() -> DaemonSettings {
        var settings = DaemonSettings()
        settings.keepReleases = keepReleases
        settings.buildTimeoutSeconds = buildTimeout
        settings.builtinBuildpacks = buildpacks ?? Self.builtinBuildpacks()
        settings.drainMilliseconds = drainMilliseconds
        settings.bootTimeoutSeconds = bootTimeout
        return settings
    }

    /// `<bin>/../lib/dokuen/buildpacks` when installed, else the `buildpacks/` of the source tree the binary was
    /// built in (`.build/<config>/dokuend`), else "" (only installed buildpacks then).
    static func builtinBuildpacks() -> String {
        let bin = Posix.executableDirectory()
        var candidates = [bin + "/../lib/dokuen/buildpacks"]
        var directory = bin
        for _ in 0..<4 {
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
            if directory.isEmpty { break }
            candidates.append(directory + "/buildpacks")
        }
        return candidates.first { Posix.isDirectory($0 + "/procfile/bin") } ?? ""
    }

    func run() async throws {
        // Nothing to reload yet, and a hangup must never stop the daemon: ignored before anything else can happen.
        try? Posix.ignoreSignal(.hangup)
        let rootPath: String
        do {
            rootPath = try RootDiscovery.daemonRoot(
                flag: root, environment: Posix.environment(), isRoot: Posix.geteuid() == 0)
        } catch {
            throw ValidationError(error.description)
        }
        let layout = RootLayout(root: rootPath)
        let backupSettings: BackupSettings?
        do { backupSettings = try self.backupSettings(root: layout.root) } catch {
            DaemonLog.fatal("\(error)")
            throw ExitCode.failure
        }

        let store: Store
        do {
            // A new user's default root (~/.local/share/dokuen) may lack its parents, as `mkdir -p` would make.
            var parents: [String] = []
            var parent = layout.root
            while let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
                parent = String(parent[..<slash])
                if Posix.isDirectory(parent) { break }
                parents.insert(parent, at: 0)
            }
            for directory in parents { try Posix.mkdir(directory, mode: 0o700, existingOK: true) }
            for directory in layout.directories {
                try Posix.mkdir(directory, existingOK: true)
                // Apps run as other users: the root's directories must be traversable (docs/ISOLATION.md).
                try Posix.chmod(directory, 0o755)
            }
            // The store holds the writer lock for as long as it lives: the daemon's whole life.
            store = try Store.open(path: layout.database)
        } catch {
            // One line, once, in the project's grammar: `dokuend: error: …`.
            DaemonLog.fatal("\(error)")
            throw ExitCode.failure
        }
        // Prometheus metrics (docs/METRICS.md): one registry for the daemon's life, also swift-metrics' global
        // factory, for what Hummingbird records of each request.
        let metrics = DaemonMetrics()
        metrics.bootstrapSystem()
        let supervisor = InstanceSupervisor(
            layout: layout, store: store, shimPath: Posix.executableDirectory() + "/dokuen-shim",
            accounts: AppAccounts(layout: layout, isolated: Posix.geteuid() == 0), portRange: try portRange(),
            metrics: metrics)
        var settings = settings()
        settings.metrics = metrics
        // Cron (docs/CRON.md): a service of the group below; every reconcile pass (a deploy, a rollback) wakes it.
        let cron = CronScheduler(
            layout: layout, store: store, supervisor: supervisor,
            shimPath: Posix.executableDirectory() + "/dokuen-shim")
        settings.cron = cron
        await supervisor.setAfterRelease { _ in cron.wake() }
        let stopRequests = StopRequests()
        settings.stopRequests = stopRequests
        let chosen = try routing()
        if chosen == nil && nginx != "off" {
            DaemonLog.info(
                "routing",
                "no nginx on this machine, so routing is off: apps answer on their ports "
                    + "(Debian's nginx-light adds it)")
        }
        var nginxSettings = chosen?.0
        if let found = nginxSettings, usesPrivateNginx, let route = chosen?.1 {
            // A laptop: never the system's nginx, but a master of its own under the root (docs/MODES.md).
            do {
                let mimeTypes = ["/etc/nginx/mime.types", "/usr/local/etc/nginx/mime.types"].first {
                    (try? Posix.lstat($0)) != nil
                }
                let nginx = PrivateNginx(
                    directory: try ConfigPath(layout.runDirectory + "/nginx"),
                    include: try ConfigPath(layout.nginxDirectory), binary: found.binary,
                    mimeTypes: try mimeTypes.map { (path) throws(RoutingError) in try ConfigPath(path) })
                let service = PrivateNginxService(
                    nginx: nginx, shimPath: Posix.executableDirectory() + "/dokuen-shim",
                    port: route.listenPort.rawValue)
                try service.start()
                settings.privateNginx = service
                nginxSettings = nginx.settings()
            } catch {
                DaemonLog.fatal("\(error)")
                throw ExitCode.failure
            }
        }
        let group: UInt32?
        do { group = try workerGroup() } catch {
            DaemonLog.fatal("\(error)")
            throw ExitCode.failure
        }
        let routing = nginxSettings.map { nginx in
            var nginx = nginx
            nginx.directory = layout.nginxDirectory
            return Routing(
                nginx: nginx, settings: chosen!.1, layout: layout, store: store, supervisor: supervisor,
                workerGroup: group)
        }
        // Add-ons (docs/ADDONS.md): PostgreSQL and Redis servers under shims of their own, started before the apps.
        let addons = AddonSupervisor(
            layout: layout, store: store, accounts: AppAccounts(layout: layout, isolated: Posix.geteuid() == 0),
            shimPath: Posix.executableDirectory() + "/dokuen-shim", supervisor: supervisor, portRange: try portRange())
        // Backups (docs/BACKUP.md): what a backup killed with dokuend left goes first; the schedule is a service.
        let backups = BackupRunner(
            layout: layout, store: store, addons: addons, settings: backupSettings,
            daemonArguments: Array(CommandLine.arguments.dropFirst()))
        backups.removeLeftovers()
        let backupScheduler = BackupScheduler(runner: backups, store: store)
        settings.backups = backups
        settings.backupScheduler = backupScheduler
        // Automatic certificates (docs/CERTS.md): renewals are a service of the group below.
        let renewer = AcmeRenewer(layout: layout, store: store, routing: routing, settings: try acmeSettings())
        settings.acme = renewer
        // Alerts (docs/ALERTS.md): a service of the group below, fed by the event log and the shims' reports.
        let notifier = Notifier(
            store: store,
            transport: AlertTransport(
                curl: AlertTransport.findCurl(searchPath: Posix.environment()["PATH"]), sendmail: sendmail,
                timeoutSeconds: notifyTimeout, spool: layout.runDirectory + "/notify"),
            checks: AlertChecks(layout: layout, store: store, renewer: renewer))
        settings.notifier = notifier
        await addons.setAlerts(notifier.feed)
        let server = APIServer.application(
            layout: layout, store: store, supervisor: supervisor, routing: routing, settings: settings, addons: addons
        ) {
            do {
                try await Self.announce(layout, store)
            } catch {
                DaemonLog.fatal("\(error)")
                Posix.exit(1)
            }
        }
        let stop = StopService(requests: stopRequests)
        do {
            // Shims report every change on the events socket, bound here so that no event of a shim started below
            // is lost; a shim killed without a word (SIGKILL, the OOM killer) sends none: its pidfd says so. Then
            // re-adopt every live shim and start what is missing before serving.
            let events = try EventsListener(
                layout: layout, supervisor: supervisor, store: store, cron: cron, alerts: notifier.feed)
            let watcher = try ShimWatcher { shim in supervisor.shimChanged(directory: shim.directory) }
            await supervisor.setShimWatcher(watcher)
            let addonWatcher = try ShimWatcher { _ in supervisor.requestReconcile() }
            await addons.setShimWatcher(addonWatcher)
            await supervisor.setUnreadyDependencies { app in await addons.unready(linkedTo: app) }
            // Before the API answers, with the watchers already running (recovery waits for instances to stop):
            // finish or roll back what a restart cut short, then one pass, then nginx.
            let keepReleases = settings.keepReleases
            let drainMilliseconds = settings.drainMilliseconds
            // dokuend is ready (READY=1, the pid file) once its dashboard listens too, when it has one.
            let dashboardOn = try dashboardAddress()
            let (dashboardUp, dashboardListening) = AsyncStream<Never>.makeStream()
            if dashboardOn == nil { dashboardListening.finish() }
            let startup: @Sendable () async throws -> Void = {
                for await _ in dashboardUp {}
                // The wait also ends when the group stops (the dashboard could not listen): nothing more to start.
                try Task.checkCancellation()
                // Add-ons first, awaited until they answer: the apps linked to them start after them.
                await addons.boot()
                try await Cutover(
                    layout: layout, store: store, supervisor: supervisor, keepReleases: keepReleases, routing: routing,
                    drainMilliseconds: drainMilliseconds
                ).recover()
                let actions = try await supervisor.reconcile()
                if !actions.isEmpty { DaemonLog.info("reconcile", "\(actions.count) action(s) at start") }
                // nginx follows the instances: every change of them re-renders what changed (and only that).
                if let routing { await routing.start() }
                await supervisor.setAfterReconcile {
                    await routing?.updateAll()
                    cron.wake()
                }
            }
            // The group stops its services in reverse order: the API first (requests in flight, a `dokuen
            // shutdown` among them, get their answers), the stop service last.
            var services = [
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: stop, successTerminationBehavior: .gracefullyShutdownGroup)
            ]
            if let interval = Systemd.watchdogInterval() {
                services.append(.init(service: WatchdogService(interval: interval)))
            }
            services += [
                .init(service: events), .init(service: watcher), .init(service: ReconcileLoop(supervisor: supervisor)),
                .init(service: addonWatcher), .init(service: AddonService(addons: addons, supervisor: supervisor)),
                .init(service: CronService(scheduler: cron)), .init(service: BackupService(scheduler: backupScheduler)),
                .init(service: AcmeService(renewer: renewer)), .init(service: notifier),
                .init(service: APIService(server, startup: startup)),
                .init(service: LivenessMonitor(layout: layout, store: store, supervisor: supervisor)),
            ]
            // The dashboard (docs/DASHBOARD.md) is a client of the API: it stops before it, as the group stops
            // services in reverse order.
            if let address = dashboardOn {
                services.append(
                    .init(
                        service: DashboardService(address: address, layout: layout) {
                            log("dashboard on http://\(address)/ (sign in with: dokuen dashboard token)")
                            dashboardListening.finish()
                        }))
            }
            var configuration = ServiceGroupConfiguration(services: services, logger: Logger(label: "dokuend"))
            configuration.maximumGracefulShutdownDuration = .seconds(10)
            try await ServiceGroup(configuration: configuration).run()
        } catch let error as DashboardError {
            DaemonLog.fatal("\(error)")
            throw ExitCode.failure
        } catch {
            DaemonLog.fatal("unable to serve the API on \(layout.socket): \(error)")
            throw ExitCode.failure
        }
        try? Posix.unlink(layout.pidFile)
        log("dokuend stopping \(stop.reason.withLock { $0 }?.description ?? "on request"); apps keep running")
        withExtendedLifetime(store) {}
    }

    /// Once the API answers: writes the pid file and tells systemd (and the log) that the daemon is ready.
    static func announce(_ layout: RootLayout, _ store: Store) async throws {
        let apps = try await store.apps().count
        try AtomicFile.write(Array("\(Posix.getpid())\n".utf8), to: layout.pidFile)
        let summary = "root \(layout.root), \(apps) app\(apps == 1 ? "" : "s"), API on \(layout.socket)"
        log("dokuend \(DokuenVersion.current) is up: \(summary), \(Systemd.listenFDCount()) activation socket(s)")
        Systemd.notify(["READY=1", "STATUS=Serving \(summary)"])
    }
}
