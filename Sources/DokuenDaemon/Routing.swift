import DokuenAPI
import DokuenCore
import DokuenRouting
import DokuenStore

/// nginx routing (DESIGN.md §3): one generated file per app in `<root>/nginx/`, listing the RUNNING web instances
/// of the release that serves. Off (nil installer) when there is no nginx; apps are then reached on their ports.
/// An actor, so that two updates never interleave their `nginx -t`.
public actor Routing {
    let installer: NginxInstaller?
    let settings: RouteSettings
    let store: Store
    let supervisor: InstanceSupervisor
    /// During a cutover, from the switch until the release is recorded: the candidate that takes traffic.
    var pinned: [AppName: ReleaseID] = [:]

    public init(nginx: NginxSettings?, settings: RouteSettings, store: Store, supervisor: InstanceSupervisor) {
        installer = nginx.map { NginxInstaller(settings: $0) }
        self.settings = settings
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
            _ = try await installer.installShared()
            await updateAll()
            try await installer.reload()
        } catch {
            log("dokuend: routing: \(error)")
        }
    }

    /// Routes `app` to `release`'s RUNNING web instances from now on (the cutover's switch), or back to its
    /// latest release with nil.
    public func pin(_ app: AppName, to release: ReleaseID?) async throws {
        pinned[app] = release
        try await update(app)
    }

    /// Re-renders every app's file; unchanged files cost nothing (no `nginx -t`, no reload).
    public func updateAll() async {
        guard installer != nil else { return }
        do {
            // One read of every service directory for all apps: this runs after every reconcile pass.
            let statuses = try await supervisor.statuses()
            for app in try await store.apps() {
                do { try await update(app.name, statuses: statuses) } catch {
                    log("dokuend: routing \(app.name): \(error)")
                }
            }
        } catch {
            log("dokuend: routing: \(error)")
        }
    }

    /// Renders and installs `app`'s file: its domains, and the ports of the RUNNING web instances of the release
    /// that serves (pinned, else the latest).
    public func update(_ app: AppName) async throws {
        guard installer != nil else { return }
        try await update(app, statuses: try await supervisor.statuses())
    }

    private func update(_ app: AppName, statuses: [InstanceStatus]) async throws {
        guard let installer else { return }
        var release = pinned[app]
        if release == nil { release = try await store.latestRelease(app: app)?.id }
        let ports = statuses.filter {
            $0.app == app.rawValue && $0.type == "web" && $0.state == "RUNNING" && $0.release == release?.description
        }.compactMap(\.port)
        var domains: [Hostname] = []
        for record in try await store.domains(app: app) {
            do throws(RoutingError) { domains.append(try Hostname(record.hostname)) } catch {
                log("dokuend: routing \(app): skipping domain \(record.hostname): \(error)")
            }
        }
        var upstreams: [Port] = []
        for port in ports { upstreams.append(try Port(port)) }
        let config = try RouteConfig(
            app: app, domains: domains, backend: .proxy(ports: upstreams), tls: nil, settings: settings)
        try await install(installer, app, NginxRenderer.render(config))
    }

    /// Installs a file; a failed reload is only logged: the file passed `nginx -t` and is in place, and an nginx
    /// that is not running (a fresh machine) reads it when it starts. Not a reason to fail a deploy.
    private func install(_ installer: NginxInstaller, _ app: AppName, _ contents: String) async throws {
        do {
            try await installer.install(app: app, contents: contents)
        } catch {
            guard case .reloadFailed = error else { throw error }
            log("dokuend: routing \(app): nginx was not reloaded: \(error)")
        }
    }

    /// `http://<app>.<base domain>[:port]/` when routing is on.
    public func url(of app: AppName) -> String? {
        guard installer != nil, let host = try? Hostname(app: app, base: settings.baseDomain) else { return nil }
        let port = settings.listenPort.rawValue == 80 ? "" : ":\(settings.listenPort.rawValue)"
        return "http://\(host.rawValue)\(port)/"
    }

    /// Removes a destroyed app's file.
    public func remove(_ app: AppName) async throws {
        pinned[app] = nil
        guard let installer else { return }
        try await installer.remove(app: app)
    }
}
