import DokuenCore
import DokuenRouting

/// The routes the golden files pin, one per case, each with its own app name so that every golden can be
/// included in one nginx configuration. Paths sit under `root`: `/var/lib/dokuen` for the goldens, a temp
/// directory for nginx -t (the only difference, so nginx checks the goldens' own text).
enum RouteFixtures {
    static let goldenRoot = "/var/lib/dokuen"

    /// (golden file name, route) for every app case.
    static func all(root: String = goldenRoot) throws -> [(String, RouteConfig)] {
        let settings = try RouteSettings(
            baseDomain: Hostname("localhost"), listenPort: Port(80), tlsPort: Port(443),
            clientMaxBodySize: BodySize("100m"), acmeWebroot: ConfigPath(root + "/acme"))
        func tls(_ app: String) throws -> TLSFiles {
            try TLSFiles(
                certificate: ConfigPath("\(root)/certs/\(app)/fullchain.pem"),
                key: ConfigPath("\(root)/certs/\(app)/privkey.pem"))
        }
        var custom = settings
        custom.baseDomain = try Hostname("apps.example.org")
        custom.listenPort = try Port(8080)
        custom.tlsPort = try Port(8443)
        custom.clientMaxBodySize = try BodySize("1G")
        custom.acmeWebroot = nil
        return [
            (
                "plain.conf",
                try RouteConfig(
                    app: AppName("plain"), domains: [], backend: .proxy(ports: [Port(5002), Port(5001), Port(5001)]),
                    tls: nil, settings: settings)
            ),
            (
                "custom-domains.conf",
                try RouteConfig(
                    app: AppName("shop"),
                    domains: [
                        Hostname("www.Shop.example"), Hostname("shop.example"), Hostname("xn--bcher-kva.example"),
                        Hostname("shop.example"), Hostname("shop.localhost"),
                    ],
                    backend: .proxy(ports: [Port(5003)]), tls: nil, settings: settings)
            ),
            (
                "tls.conf",
                try RouteConfig(
                    app: AppName("secure"), domains: [Hostname("secure.example")],
                    backend: .proxy(ports: [Port(5004), Port(5005)]), tls: tls("secure"), settings: settings)
            ),
            (
                "tls-custom-ports.conf",
                try RouteConfig(
                    app: AppName("portal"), domains: [], backend: .proxy(ports: [Port(5006)]), tls: tls("portal"),
                    settings: custom)
            ),
            (
                "static.conf",
                try RouteConfig(
                    app: AppName("site"), domains: [Hostname("site.example")],
                    backend: .staticFiles(
                        root: ConfigPath(root + "/apps/site/current/public/"),
                        trusted: ConfigPath(root + "/apps/site/current")), tls: nil,
                    settings: settings)
            ),
            (
                "static-tls.conf",
                try RouteConfig(
                    app: AppName("docs"), domains: [],
                    backend: .staticFiles(
                        root: ConfigPath(root + "/apps/docs/current"), trusted: ConfigPath(root + "/apps/docs/current")),
                    tls: tls("docs"),
                    settings: settings)
            ),
            (
                "no-instance.conf",
                try RouteConfig(
                    app: AppName("idle"), domains: [], backend: .proxy(ports: []), tls: nil, settings: settings)
            ),
            (
                "maintenance.conf",
                try RouteConfig(
                    app: AppName("paused"), domains: [Hostname("paused.example")], backend: .proxy(ports: [Port(5007)]),
                    tls: tls("paused"), settings: settings,
                    maintenance: .file(directory: ConfigPath(root + "/apps/paused/releases/b1")))
            ),
            (
                "access.conf",
                try RouteConfig(
                    app: AppName("private"), domains: [], backend: .proxy(ports: [Port(5008)]), tls: nil,
                    settings: {
                        var trusted = settings
                        trusted.trustedProxies = [try CIDR("127.0.0.1"), try CIDR("10.0.0.0/8")]
                        return trusted
                    }(),
                    access: AccessRules(
                        deny: [CIDR("192.168.1.66")], allow: [CIDR("192.168.1.0/24"), CIDR("fd00::/8")],
                        passwordFile: ConfigPath(root + "/apps/private/htpasswd")))
            ),
            (
                "proxy.conf",
                try RouteConfig(
                    proxy: AppName("nas"), hostname: Hostname("nas.example.com"),
                    upstream: UpstreamURL("https://192.168.1.10:5001/ui/"), tls: tls("nas"), settings: settings)
            ),
            (
                "maintenance-builtin.conf",
                try RouteConfig(
                    app: AppName("resting"), domains: [], backend: .proxy(ports: []), tls: nil, settings: settings,
                    maintenance: .builtin)
            ),
        ]
    }
}
