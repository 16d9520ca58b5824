/// The paths of docs/DESIGN.md §3 under one root. Only validated names (`AppName`, `ProcessType`, …) become
/// path components, so nothing a user typed can escape the root (invariant 4).
public struct RootLayout: Equatable, Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    public var database: String { root + "/dokuen.sqlite" }
    public var runDirectory: String { root + "/run" }
    public var socket: String { runDirectory + "/dokuend.sock" }
    /// Holds the daemon's pid while it is up, for scripts; liveness itself rests on the store's writer lock.
    public var pidFile: String { runDirectory + "/dokuend.pid" }
    public var eventsSocket: String { runDirectory + "/events.sock" }
    public var serviceDirectory: String { runDirectory + "/svc" }
    public var appsDirectory: String { root + "/apps" }
    public var buildpacksDirectory: String { root + "/buildpacks" }
    /// The language runtimes the built-in buildpacks fetch (a Python, a Node.js, uv), one directory per version,
    /// shared between apps: writable by dokuend's user only, so apps that have users of their own read it and keep
    /// what they fetch in their own cache (buildpacks/README.md, Runtime versions).
    public var runtimesDirectory: String { root + "/runtimes" }
    public var nginxDirectory: String { root + "/nginx" }
    /// Pages nginx's workers serve for dokuend (`pages/APP/maintenance.html`, copied from the app's build, whose
    /// directory they cannot read): readable by all, written by dokuend only.
    public var pagesDirectory: String { root + "/pages" }

    /// Directories the daemon creates at start, parents first.
    public var directories: [String] {
        [root, runDirectory, serviceDirectory, appsDirectory, buildpacksDirectory, runtimesDirectory, nginxDirectory]
    }

    public func app(_ name: AppName) -> AppPaths { AppPaths(directory: appsDirectory + "/" + name.rawValue) }
    /// Automatic certificates (docs/CERTS.md): lego's accounts, keys and certificates under `lego/`, 0700, dokuend's
    /// user's alone; made when the first one is asked for.
    public var acmeDirectory: String { root + "/acme" }
    /// The dashboard's secrets (docs/DASHBOARD.md): `dashboard/token` (sign-in) and `dashboard/metrics-token`
    /// (`/metrics`), 0600 in a 0700 directory, dokuend's user's alone; made by the first `dokuen dashboard token`.
    public var dashboardDirectory: String { root + "/dashboard" }
    public var dashboardToken: String { dashboardDirectory + "/token" }
    public var metricsToken: String { dashboardDirectory + "/metrics-token" }
    /// The base domain's wildcard certificate, kept as an app's is (`tls/server.crt`, `tls/server.key`).
    public var wildcard: AppPaths { AppPaths(directory: acmeDirectory + "/wildcard") }

    /// The paths of one app.
    public struct AppPaths: Equatable, Sendable {
        public let directory: String

        public var repository: String { directory + "/repo.git" }
        public var releases: String { directory + "/releases" }
        public func build(_ stamp: BuildStamp) -> String { releases + "/" + stamp.description }
        public var current: String { directory + "/current" }
        public var previous: String { directory + "/previous" }
        public var env: String { directory + "/env" }
        public var cache: String { directory + "/cache" }
        public var data: String { directory + "/data" }
        public var logs: String { directory + "/logs" }
        public func log(_ type: ProcessType, index: Int) -> String { logs + "/\(type).\(index).log" }
        /// Each deploy's output as `dokuen deploy` printed it, `ID.log`, 0600 in this 0700 directory, dokuend's
        /// user's alone; the newest 50 stay (docs/DASHBOARD.md, Deploy output).
        public var deploys: String { directory + "/deploys" }
        public func deployOutput(_ id: Int64) -> String { deploys + "/\(id).log" }
        /// The app's certificate and key (`dokuen certs add`), root-owned and closed to apps: nginx's master
        /// process reads them as root.
        public var tls: String { directory + "/tls" }
        /// The certificate chain, PEM, 0644 (inside the 0700 `tls`).
        public var certificate: String { tls + "/server.crt" }
        /// The private key, PEM, 0600.
        public var privateKey: String { tls + "/server.key" }
    }
}
