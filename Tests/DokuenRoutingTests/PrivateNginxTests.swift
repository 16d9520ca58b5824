import DokuenCore
import DokuenPosix
import DokuenRouting
import TestSupport
import Testing

/// The private nginx of user mode (docs/MODES.md): its configuration keeps everything under its prefix, includes the
/// generated files, and the real `nginx -t` accepts it with an app's loopback-only server block.
@Suite struct PrivateNginxTests {
    func nginx(at directory: String, binary: String = "/usr/sbin/nginx") throws -> PrivateNginx {
        try PrivateNginx(
            directory: ConfigPath(directory + "/run/nginx"), include: ConfigPath(directory + "/nginx"), binary: binary,
            mimeTypes: nil)
    }

    @Test func everythingStaysUnderThePrefix() throws {
        let nginx = try nginx(at: "/home/ada/.local/share/dokuen")
        let text = nginx.config()
        let prefix = "/home/ada/.local/share/dokuen/run/nginx"
        for line in [
            "pid \(prefix)/nginx.pid;", "error_log \(prefix)/logs/error.log;", "access_log \(prefix)/logs/access.log;",
            "client_body_temp_path \(prefix)/tmp/body;", "include /home/ada/.local/share/dokuen/nginx/*.conf;",
        ] {
            #expect(text.contains(line), "\(line)")
        }
        #expect(!text.contains("user "), "an ordinary user's master cannot switch users")
        #expect(
            nginx.serveCommand == [
                "/usr/sbin/nginx", "-p", prefix + "/", "-c", prefix + "/nginx.conf", "-e", prefix + "/logs/error.log",
                "-g", "daemon off;",
            ])
        #expect(nginx.settings().testCommand.suffix(2) == ["-t", "-q"])
    }

    @Test func aLoopbackServerBlockListensOn127001Only() throws {
        var settings = RouteSettings.standard
        settings.listenPort = try Port(8080)
        settings.loopbackOnly = true
        let config = try RouteConfig(
            app: AppName("blog"), domains: [], backend: .proxy(ports: [Port(5001)]), tls: nil, settings: settings)
        let text = NginxRenderer.render(config)
        #expect(text.contains("    listen 127.0.0.1:8080;\n"))
        settings.loopbackOnly = false
        let everywhere = try RouteConfig(
            app: AppName("blog"), domains: [], backend: .proxy(ports: [Port(5001)]), tls: nil, settings: settings)
        #expect(NginxRenderer.render(everywhere).contains("    listen 8080;\n"))
    }

    @Test(.enabled(if: NginxPrefix.binary != nil, "needs nginx (Debian: apt-get install nginx-light)"))
    func realNginxAcceptsIt() throws {
        let temp = try TemporaryDirectory("private-nginx")
        defer { temp.remove() }
        let nginx = try nginx(at: temp.path, binary: NginxPrefix.binary!)
        for directory in [temp("run"), temp("nginx")] + nginx.directories {
            try Posix.mkdir(directory, existingOK: true)
        }
        try AtomicFile.write(Array(nginx.config().utf8), to: nginx.configFile)
        var settings = RouteSettings.standard
        settings.listenPort = try Port(8080)
        settings.loopbackOnly = true
        let config = try RouteConfig(
            app: AppName("blog"), domains: [], backend: .proxy(ports: [Port(5001)]), tls: nil, settings: settings)
        try AtomicFile.write(
            Array(NginxRenderer.renderShared(settings).utf8), to: temp("nginx/" + NginxRenderer.sharedFileName))
        try AtomicFile.write(Array(NginxRenderer.render(config).utf8), to: temp("nginx/blog.conf"))
        let test = nginx.settings().testCommand
        let result = try runProgram(test[0], Array(test.dropFirst()), deadlineSeconds: 30)
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(result.standardError == "", "no warning either: \(result.standardError)")
    }
}
