import DokuenCore
import DokuenPosix
import DokuenRouting
import TestSupport
import Testing

/// A real nginx master on a private configuration, reloaded by the installer: a static app is served by nginx
/// from its files, and a change nginx refuses leaves it serving the old configuration.
@Suite(
    .enabled(if: NginxPrefix.binary != nil && which("curl") != nil, "needs nginx and curl"),
    .timeLimit(.minutes(1)))
struct NginxServingTests {
    @Test func staticAppIsServedAndARefusedChangeKeepsItServing() async throws {
        let prefix = try NginxPrefix(label: "ngx-serve")
        defer { prefix.remove() }
        // Workers run as `nobody` under root: they must reach the files.
        try Posix.chmod(prefix.path, 0o755)
        let port = try Port(freeTCPPort())
        var settings = RouteSettings.standard
        settings.listenPort = port
        var tlsPort = try Port(freeTCPPort())
        while tlsPort == port { tlsPort = try Port(freeTCPPort()) }
        settings.tlsPort = tlsPort
        try Posix.mkdir(prefix.temp("site"))
        try prefix.write(prefix.temp("site/index.html"), "hello from nginx\n")
        let site = try AppName("site")
        let route = try RouteConfig(
            app: site, domains: [Hostname("www.site.example")],
            backend: .staticFiles(root: ConfigPath(prefix.temp("site")), trusted: ConfigPath(prefix.temp("site"))),
            tls: nil, settings: settings)
        let nginx = NginxSettings(
            directory: prefix.nginxDirectory, binary: NginxPrefix.binary!, configArguments: prefix.configArguments)
        let installer = NginxInstaller(settings: nginx)
        // nginx starts with no generated file; the installer adds them and reloads it. In the foreground, so that
        // it stays in the test's process group and dies with it.
        let master = try BackgroundProgram(
            nginx.binary, nginx.configArguments + ["-g", "daemon off;"], environment: [:])
        defer { master.stop() }
        try await waitForPidFile(prefix.temp("nginx.pid"), master: master)
        try await installer.installShared(settings)
        try await installer.install(app: site, contents: NginxRenderer.render(route))

        #expect(try await get(port, host: "www.site.example", until: "200 hello from nginx\n"))

        // The catch-all: an unknown name gets no app's page but an empty reply (444), and no TLS handshake.
        let curl = try #require(which("curl"))
        let unknown = try runProgram(
            curl, ["-sS", "-H", "Host: unknown.example", "http://127.0.0.1:\(port)/"], deadlineSeconds: 10)
        #expect(unknown.status == .exited(52), "curl: \(unknown.status) \(unknown.standardError)")
        #expect(unknown.standardOutput == "")
        #expect(unknown.standardError.contains("Empty reply from server"), "\(unknown.standardError)")
        let handshake = try runProgram(
            curl,
            [
                "-sS", "-k", "--resolve", "unknown.example:\(tlsPort):127.0.0.1",
                "https://unknown.example:\(tlsPort)/",
            ], deadlineSeconds: 10)
        #expect(handshake.status == .exited(35), "curl: \(handshake.status) \(handshake.standardError)")
        #expect(handshake.standardOutput == "")

        // A certificate that does not exist: refused, the old file stays and nginx keeps serving it.
        let broken = try RouteConfig(
            app: site, domains: [],
            backend: .staticFiles(root: ConfigPath(prefix.temp("site")), trusted: ConfigPath(prefix.temp("site"))),
            tls: TLSFiles(certificate: ConfigPath(prefix.temp("none.pem")), key: ConfigPath(prefix.temp("none.key"))),
            settings: settings)
        await #expect(throws: RoutingError.self) {
            try await installer.install(app: site, contents: NginxRenderer.render(broken))
        }
        #expect(try await get(port, host: "site.localhost", until: "200 hello from nginx\n"))

        // No instance: nginx answers 503 itself, after the installer's reload.
        let idle = try RouteConfig(app: site, domains: [], backend: .proxy(ports: []), tls: nil, settings: settings)
        #expect(try await installer.install(app: site, contents: NginxRenderer.render(idle)))
        #expect(try await get(port, host: "site.localhost", until: "503 site has no ready web instance\n"))

        // An instance that does not answer (nothing listens on its port): our 502 page, not nginx's.
        let dead = try RouteConfig(
            app: site, domains: [], backend: .proxy(ports: [Port(freeTCPPort())]), tls: nil, settings: settings)
        #expect(try await installer.install(app: site, contents: NginxRenderer.render(dead)))
        #expect(
            try await get(
                port, host: "site.localhost", until: "502 site did not answer: no web instance took the request\n"))

        // In maintenance with the build's page: 503 and the page, for every path.
        try prefix.write(prefix.temp("site/maintenance.html"), "<p>back soon</p>\n")
        let paused = try RouteConfig(
            app: site, domains: [], backend: .proxy(ports: [Port(freeTCPPort())]), tls: nil, settings: settings,
            maintenance: .file(directory: ConfigPath(prefix.temp("site"))))
        #expect(try await installer.install(app: site, contents: NginxRenderer.render(paused)))
        #expect(try await get(port, host: "site.localhost", until: "503 <p>back soon</p>\n"))
    }

    /// The master writes its pid file once it listens; `-s reload` needs it. Bounded at 10 s.
    func waitForPidFile(_ path: String, master: BackgroundProgram) async throws {
        for _ in 0..<100 {
            if let pid = try? Posix.readFile(path), pid.last == UInt8(ascii: "\n") { return }
            if let status = try master.wait(milliseconds: 0) {
                Issue.record("nginx \(status): \(master.standardError)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("nginx wrote no pid file: \(master.standardError)")
    }

    /// `curl` until the answer, `<status> <body>`, is `expected`: a reload switches workers asynchronously, so
    /// this retries for up to 10 s.
    func get(_ port: Port, host: String, until expected: String) async throws -> Bool {
        let curl = try #require(which("curl"))
        var last = ""
        for _ in 0..<100 {
            let result = try runProgram(
                curl, ["-s", "-H", "Host: \(host)", "-w", "%{http_code}", "http://127.0.0.1:\(port)/"],
                deadlineSeconds: 10)
            let output = result.standardOutput
            last = "\(output.suffix(3)) \(output.dropLast(3))"
            if last == expected { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("last answer: \(last)")
        return false
    }
}
