import DokuenCore
import DokuenPosix
import DokuenRouting
import TestSupport
import Testing

/// The installer against the real `nginx -t` on a private configuration. The reload command appends a line to
/// a file, so each test can count reloads.
@Suite(.enabled(if: NginxPrefix.binary != nil, "needs nginx (Debian: apt-get install nginx-light)"))
struct NginxInstallerTests {
    let prefix: NginxPrefix
    let installer: NginxInstaller
    let app = try! AppName("blog")

    init() throws {
        prefix = try NginxPrefix(label: "ngx-install")
        installer = NginxInstaller(
            settings: NginxSettings(
                directory: prefix.nginxDirectory, binary: NginxPrefix.binary!,
                configArguments: prefix.configArguments,
                reloadCommand: ["/bin/sh", "-c", "echo reload >> \(prefix.temp("reloads"))"]))
    }

    var reloads: Int {
        ((try? Posix.readFile(prefix.temp("reloads"))) ?? []).filter { $0 == UInt8(ascii: "\n") }.count
    }

    var files: [String] { (try? Posix.listDirectory(prefix.nginxDirectory)) ?? [] }

    func contents(_ name: String) throws -> String {
        String(decoding: try Posix.readFile(prefix.nginxDirectory + "/" + name), as: UTF8.self)
    }

    func route(ports: [Int] = [5001], tls: TLSFiles? = nil) throws -> String {
        NginxRenderer.render(
            try RouteConfig(
                app: app, domains: [], backend: .proxy(ports: ports.map { try Port($0) }), tls: tls,
                settings: .standard))
    }

    @Test func installTestsRenamesAndReloads() async throws {
        defer { prefix.remove() }
        #expect(try await installer.installShared(.standard))
        #expect(try await installer.install(app: app, contents: try route()))
        #expect(files == ["_dokuen.conf", "blog.conf"])
        #expect(try contents("blog.conf") == (try route()))
        #expect(reloads == 2)
        #expect(try prefix.test().status == .exited(0))
    }

    @Test func sameContentRunsNothing() async throws {
        defer { prefix.remove() }
        try await installer.installShared(.standard)
        try await installer.install(app: app, contents: try route())
        #expect(try await installer.install(app: app, contents: try route()) == false)
        #expect(try await installer.installShared(.standard) == false)
        #expect(reloads == 2)
    }

    /// A certificate that does not exist: nginx -t fails, the previous file stays byte for byte, nothing is
    /// reloaded, no temp file is left, and the error is one line naming nginx's complaint.
    @Test func aRejectedChangeLeavesThePreviousFile() async throws {
        defer { prefix.remove() }
        try await installer.installShared(.standard)
        try await installer.install(app: app, contents: try route())
        let missing = try TLSFiles(
            certificate: ConfigPath(prefix.temp("no/cert.pem")), key: ConfigPath(prefix.temp("no/key.pem")))
        let error = await #expect(throws: RoutingError.self) {
            try await installer.install(app: app, contents: try route(tls: missing))
        }
        guard case .configRejected(let file, let summary, let output) = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(file == prefix.nginxDirectory + "/blog.conf")
        #expect(summary.hasPrefix("[emerg] cannot load certificate"), "\(summary)")
        #expect(output.contains("test failed"))
        #expect(!error!.description.contains("\n"))
        #expect(error!.description.hasPrefix("nginx: unable to install \(file): nginx -t failed: [emerg] cannot"))
        #expect(try contents("blog.conf") == (try route()))
        #expect(files == ["_dokuen.conf", "blog.conf"])
        #expect(reloads == 2)
        #expect(try prefix.test().status == .exited(0))
    }

    @Test func aRejectedNewFileIsRemoved() async throws {
        defer { prefix.remove() }
        // No shared file yet: the app's `$dokuen_connection_upgrade` is unknown to nginx.
        await #expect(throws: RoutingError.self) { try await installer.install(app: app, contents: try route()) }
        #expect(files == [])
        #expect(reloads == 0)
    }

    @Test func removeTestsThenDeletes() async throws {
        defer { prefix.remove() }
        try await installer.installShared(.standard)
        try await installer.install(app: app, contents: try route())
        #expect(try await installer.remove(app: app))
        #expect(files == ["_dokuen.conf"])
        #expect(reloads == 3)
        #expect(try await installer.remove(app: app) == false)
        #expect(reloads == 3)
    }

    /// A crash after the candidate was written and before nginx accepted it: the copy goes back.
    @Test func restoreInterruptedPutsBackUntestedChanges() async throws {
        defer { prefix.remove() }
        try prefix.write(prefix.nginxDirectory + "/blog.conf", "candidate\n")
        try prefix.write(prefix.nginxDirectory + "/.blog.conf.previous", "# old\n")
        try prefix.write(prefix.nginxDirectory + "/shop.conf", "new file\n")
        try prefix.write(prefix.nginxDirectory + "/.shop.conf.previous", "")
        #expect(try await installer.restoreInterrupted() == ["blog.conf", "shop.conf"])
        #expect(files == ["blog.conf"])
        #expect(try contents("blog.conf") == "# old\n")
    }

    @Test func aFailingReloadIsReportedWithTheFileInPlace() async throws {
        defer { prefix.remove() }
        let failing = NginxInstaller(
            settings: NginxSettings(
                directory: prefix.nginxDirectory, binary: NginxPrefix.binary!, configArguments: prefix.configArguments,
                reloadCommand: ["/bin/sh", "-c", "echo 'nginx: [error] invalid PID number' >&2; exit 1"]))
        let error = await #expect(throws: RoutingError.self) { try await failing.installShared(.standard) }
        #expect(
            error?.description
                == "nginx: unable to reload with /bin/sh -c echo 'nginx: [error] invalid PID number' >&2; exit 1: "
                + "exited 1: [error] invalid PID number")
        #expect(files == ["_dokuen.conf"])
    }

    @Test func aHangingCommandIsKilledAtTheTimeout() async throws {
        defer { prefix.remove() }
        let hanging = NginxInstaller(
            settings: NginxSettings(
                directory: prefix.nginxDirectory, binary: NginxPrefix.binary!, configArguments: prefix.configArguments,
                reloadCommand: ["/bin/sleep", "30"], timeoutMilliseconds: 300))
        await #expect(throws: RoutingError.timedOut(command: ["/bin/sleep", "30"], milliseconds: 300)) {
            try await hanging.reload()
        }
    }

    @Test func aRelativeReloadProgramIsRefused() async throws {
        defer { prefix.remove() }
        let relative = NginxInstaller(
            settings: NginxSettings(
                directory: prefix.nginxDirectory, binary: NginxPrefix.binary!, reloadCommand: ["nginx", "-s", "reload"])
        )
        await #expect(throws: RoutingError.self) { try await relative.reload() }
    }
}
