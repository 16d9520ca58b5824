public import DokuenCore

/// Everything one app's nginx file says: its names, its backend and its certificate. Built only from validated
/// values, so rendering cannot fail and cannot emit anything a user typed unchecked.
public struct RouteConfig: Hashable, Sendable {
    public let app: AppName
    /// `<app>.<base domain>` first (nginx's `$server_name`), then the custom domains sorted, without duplicates.
    public let hostnames: [Hostname]
    /// Ports sorted, without duplicates.
    public let backend: RouteBackend
    public let tls: TLSFiles?
    public let settings: RouteSettings
    /// In maintenance: every request but an ACME challenge gets this page with 503, whatever the backend.
    public let maintenance: MaintenancePage?
    /// Who may reach the app (`dokuen access`).
    public let access: AccessRules

    public init(
        app: AppName, domains: [Hostname], backend: RouteBackend, tls: TLSFiles?, settings: RouteSettings,
        maintenance: MaintenancePage? = nil, access: AccessRules = .open
    ) throws(RoutingError) {
        self.app = app
        let primary = try Hostname(app: app, base: settings.baseDomain)
        hostnames = [primary] + Set(domains).subtracting([primary]).sorted()
        switch backend {
        case .upstream: self.backend = backend
        case .proxy(let ports): self.backend = .proxy(ports: Set(ports).sorted())
        case .staticFiles(let root, let trusted):
            guard root == trusted || root.rawValue.hasPrefix(trusted.rawValue + "/") else {
                throw .invalidPath(trusted.rawValue, reason: "it does not contain the static root \(root)")
            }
            self.backend = backend
        }
        self.tls = tls
        self.settings = settings
        self.maintenance = maintenance
        self.access = access
    }

    /// A proxy's file (`dokuen proxies add NAME URL [--domain D]`): one host name, `upstream` as the backend.
    public init(
        proxy name: AppName, hostname: Hostname, upstream: UpstreamURL, tls: TLSFiles?, settings: RouteSettings,
        access: AccessRules = .open
    ) {
        app = name
        hostnames = [hostname]
        backend = .upstream(upstream)
        self.tls = tls
        self.settings = settings
        maintenance = nil
        self.access = access
    }

    /// Whether this is a proxy's file rather than an app's.
    public var isProxy: Bool {
        if case .upstream = backend { return true }
        return false
    }
}
