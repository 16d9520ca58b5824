import Testing

@testable import DokuenCore

@Suite struct RootDiscoveryTests {
    @Test func daemonRootPrecedence() throws {
        let home = ["HOME": "/home/ann"]
        #expect(
            try RootDiscovery.daemonRoot(flag: "/srv/d/", environment: ["DOKUEN_ROOT": "/x"], isRoot: true) == "/srv/d")
        #expect(try RootDiscovery.daemonRoot(flag: nil, environment: ["DOKUEN_ROOT": "/x"], isRoot: true) == "/x")
        #expect(try RootDiscovery.daemonRoot(flag: nil, environment: home, isRoot: true) == "/var/lib/dokuen")
        #expect(
            try RootDiscovery.daemonRoot(flag: nil, environment: home, isRoot: false) == "/home/ann/.local/share/dokuen"
        )
        #expect(throws: CoreError.self) { try RootDiscovery.daemonRoot(flag: "rel", environment: [:], isRoot: false) }
        #expect(throws: CoreError.self) { try RootDiscovery.daemonRoot(flag: nil, environment: [:], isRoot: false) }
    }

    @Test func clientRootPrefersAUserDaemonWithASocket() throws {
        let home = ["HOME": "/home/ann"]
        let user = "/home/ann/.local/share/dokuen"
        #expect(try RootDiscovery.clientRoot(flag: nil, environment: home) { $0 == user + "/run/dokuend.sock" } == user)
        #expect(try RootDiscovery.clientRoot(flag: nil, environment: home) { _ in false } == "/var/lib/dokuen")
        #expect(try RootDiscovery.clientRoot(flag: "/r", environment: home) { _ in true } == "/r")
    }

    @Test func layoutPathsComeOnlyFromValidatedNames() throws {
        let layout = RootLayout(root: "/r")
        let app = layout.app(try AppName("blog"))
        #expect(app.env == "/r/apps/blog/env")
        #expect(app.log(try ProcessType("web"), index: 2) == "/r/apps/blog/logs/web.2.log")
        #expect(app.build(try BuildStamp("20261122T052103.000001Z")) == "/r/apps/blog/releases/20261122T052103.000001Z")
    }
}
