import DokuenPosix
import DokuenRouting
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dokuen setup`: the unit it writes is etc/systemd/dokuend.service with real paths, and systemd accepts it.
@Suite(.timeLimit(.minutes(2))) struct SetupTests {
    static let repository = String(#filePath.prefix(upTo: #filePath.range(of: "/Tests/")!.lowerBound))

    @Test func printChangesNothingAndShowsTheUnitOfTheRepository() throws {
        let temp = try TemporaryDirectory("setup")
        defer { temp.remove() }
        let result = try runProgram(
            builtProductsDirectory() + "/dokuen",
            [
                "setup", "--print", "--root", temp("root"), "--unit-dir", temp("units"), "--bin-dir", "/opt/dokuen/bin",
                "--nginx-conf-dir", temp("nginx"), "--http-port", "\(freeTCPPort())", "--https-port",
                "\(freeTCPPort())",
            ])
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(try Posix.listDirectory(temp.path).isEmpty, "--print changes nothing")
        let template = String(
            decoding: try Posix.readFile(Self.repository + "/etc/systemd/dokuend.service"), as: UTF8.self)
        let expected = template.replacing("@BINDIR@", with: "/opt/dokuen/bin").replacing("@ROOT@", with: temp("root"))
        #expect(result.standardOutput.contains("\n" + expected + "would: include \(temp("nginx"))/conf.d/dokuen.conf"))
        #expect(result.standardOutput.contains("ExecStart=/opt/dokuen/bin/dokuend --root \(temp("root"))\n"))
    }

    @Test(.enabled(if: geteuid() == 0, "setup needs root"))
    func theInstalledUnitVerifies() throws {
        let temp = try TemporaryDirectory("setup")
        defer { temp.remove() }
        let bin = builtProductsDirectory()
        let tree = try NginxTree(temp, defaultSite: nil)
        let result = try runProgram(
            bin + "/dokuen", ["setup", "--root", temp("root"), "--unit-dir", temp("units")] + tree.options)
        defer { tree.stop() }
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(result.standardOutput.hasSuffix("Next: systemctl daemon-reload && systemctl enable --now dokuend\n"))
        let unit = String(decoding: try Posix.readFile(temp("units/dokuend.service")), as: UTF8.self)
        #expect(unit.contains("Type=notify\n") && unit.contains("KillMode=process\n") && unit.contains("WatchdogSec="))
        #expect(unit.contains("ExecStart=\(bin)/dokuend --root \(temp("root"))\n"))
        #expect(try #require(try Posix.lstat(temp("root"))).permissions & 0o777 == 0o755)

        let analyze = try #require(which("systemd-analyze"), "systemd-analyze comes with Debian's systemd package")
        let verify = try runProgram(analyze, ["verify", temp("units/dokuend.service")])
        #expect(verify.status == .exited(0))
        #expect(verify.standardError == "", "systemd reports nothing: \(verify.standardError)")
    }

    /// The user unit of laptop mode (etc/systemd/dokuend-user.service) is one systemd's user manager accepts. Its
    /// `%h/.local/bin/dokuend` is pointed at the built binary, since this test must not write into a real home.
    @Test func theUserUnitVerifies() throws {
        let analyze = try #require(which("systemd-analyze"), "systemd-analyze comes with Debian's systemd package")
        let temp = try TemporaryDirectory("user-unit")
        defer { temp.remove() }
        try Posix.mkdir(temp("runtime"), mode: 0o700)
        let text = String(
            decoding: try Posix.readFile(Self.repository + "/etc/systemd/dokuend-user.service"), as: UTF8.self)
        #expect(text.contains("ExecStart=%h/.local/bin/dokuend\n") && text.contains("KillMode=process\n"))
        #expect(text.contains("WantedBy=default.target\n") && text.contains("loginctl enable-linger"))
        let unit = text.replacing("%h/.local/bin/dokuend", with: builtProductsDirectory() + "/dokuend")
        try AtomicFile.write(Array(unit.utf8), to: temp("dokuend.service"))
        var environment = Posix.environment()
        environment["XDG_RUNTIME_DIR"] = temp("runtime")
        let verify = try runProgram(analyze, ["--user", "verify", temp("dokuend.service")], environment: environment)
        #expect(verify.status == .exited(0), "\(verify.standardError)")
        #expect(verify.standardError == "", "systemd reports nothing: \(verify.standardError)")
    }

    /// The launchd agent for a Mac parses as a property list (Python's plistlib, a real parser) and keeps the
    /// shims alive when the daemon stops, as KillMode=process does under systemd.
    @Test func theLaunchdAgentIsAValidPropertyList() throws {
        let python = try #require(which("python3"))
        let check = """
            import plistlib, sys
            p = plistlib.load(open(sys.argv[1], 'rb'))
            assert p['Label'] == 'org.dokuen.dokuend', p
            assert p['ProgramArguments'][0].endswith('/dokuend'), p
            assert p['AbandonProcessGroup'] is True and p['KeepAlive'] == {'SuccessfulExit': False}, p
            print('ok')
            """
        let result = try runProgram(
            python, ["-c", check, Self.repository + "/etc/launchd/org.dokuen.dokuend.plist"])
        #expect(result.standardOutput == "ok\n", "\(result.standardError)")
    }

    @Test func setupWithoutRootSaysSo() throws {
        guard geteuid() == 0 else {
            let result = try runProgram(builtProductsDirectory() + "/dokuen", ["setup"])
            #expect(result.status == .exited(64))
            #expect(result.standardError.hasPrefix("dokuen: error: dokuen setup needs root"))
            return
        }
        // As root: run it as nobody.
        let runuser = try #require(which("setpriv"))
        let result = try runProgram(
            runuser,
            ["--reuid=nobody", "--regid=nogroup", "--clear-groups", builtProductsDirectory() + "/dokuen", "setup"])
        #expect(result.status == .exited(64), "\(result.standardError)")
        #expect(result.standardError.hasPrefix("dokuen: error: dokuen setup needs root"))
    }

    // MARK: routing through the system's nginx, on a copy of its configuration tree

    /// Debian's untouched default site is disabled, the include is written, nginx -t passes, nginx starts and routes
    /// hello.localhost; a second run changes nothing and says so.
    @Test(.enabled(if: geteuid() == 0 && NginxTree.debianDefaultSite != nil, "setup needs root; nginx-light"))
    func routingIsSetUpOnceAndASecondRunIsANoOp() throws {
        let temp = try TemporaryDirectory("setup-nginx")
        defer { temp.remove() }
        let tree = try NginxTree(temp, defaultSite: NginxTree.debianDefaultSite!)
        defer { tree.stop() }
        let first = try tree.setUp()
        #expect(first.status == .exited(0), "\(first.standardError)")
        let out = first.standardOutput
        #expect(out.contains("done: include \(tree.directory)/conf.d/dokuen.conf: write it"), "\(out)")
        #expect(out.contains("done: default site \(tree.directory)/sites-enabled/default: disable Debian's own"))
        #expect(out.contains("done: nginx: start it (\(NginxTree.binary) -c \(tree.directory)/nginx.conf)"))
        #expect(try Posix.lstat(tree.directory + "/sites-enabled/default") == nil)
        #expect(try Posix.lstat(tree.directory + "/sites-available/default") != nil, "only the link goes")
        let include = String(decoding: try Posix.readFile(tree.directory + "/conf.d/dokuen.conf"), as: UTF8.self)
        #expect(include.hasSuffix("\ninclude \(temp("root"))/nginx/*.conf;\n"))
        #expect(try tree.masterPID() != nil, "nginx runs")
        let curl = try #require(which("curl"))
        let answer = try runProgram(curl, ["-fsS", "--max-time", "10", "http://hello.localhost:\(tree.httpPort)/"])
        #expect(answer.standardOutput == "hello from the example\n", "\(answer.standardError)")

        let second = try tree.setUp()
        #expect(second.status == .exited(0), "\(second.standardError)")
        #expect(!second.standardOutput.contains("done:"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("ok: include "))
        #expect(second.standardOutput.contains("nothing to reload"))
    }

    /// A default site that is not Debian's untouched file is left where it is, and the output says why its
    /// default_server wins; --print writes nothing.
    @Test(.enabled(if: NginxTree.binary != "", "nginx-light"))
    func aChangedDefaultSiteIsLeftWithAMessage() throws {
        let temp = try TemporaryDirectory("setup-nginx")
        defer { temp.remove() }
        let tree = try NginxTree(temp, defaultSite: "server { listen 127.0.0.1:1 default_server; return 404; }\n")
        let result = try tree.setUp(["--print"])
        #expect(result.status == .exited(0), "\(result.standardError)")
        #expect(
            result.standardOutput.contains(
                "ok: default site \(tree.directory)/sites-enabled/default: left alone, it is not Debian's untouched "
                    + "file; its default_server answers names no app has instead of Dokuen's catch-all"),
            "\(result.standardOutput)")
        #expect(try Posix.lstat(tree.directory + "/sites-enabled/default") != nil)
        #expect(try Posix.lstat(tree.directory + "/conf.d/dokuen.conf") == nil, "--print writes nothing")
    }

    /// Another program on the HTTP port keeps routing off: exit 3, its pid named, nothing written.
    @Test(.enabled(if: NginxTree.binary != "", "nginx-light"))
    func aPortHeldByAnotherProgramKeepsRoutingOff() throws {
        let temp = try TemporaryDirectory("setup-nginx")
        defer { temp.remove() }
        let listener = try SilentListener()
        defer { listener.close() }
        var tree = try NginxTree(temp, defaultSite: nil)
        tree.httpPort = listener.port
        let result = try tree.setUp(["--print"])
        #expect(result.status == .exited(3), "\(result.standardOutput)")
        #expect(
            result.standardError.hasPrefix(
                "dokuen: error: routing stays off: port \(listener.port) is taken by pid \(getpid()) ("),
            "\(result.standardError)")
        #expect(
            result.standardError.contains(
                "apps still answer on their ports. Fix: stop it (kill \(getpid())) or move it off port \(listener.port)"
            ))
        #expect(try Posix.lstat(tree.directory + "/conf.d/dokuen.conf") == nil)
    }

    /// A configuration nginx -t refuses puts back what the run changed: the include goes, the default site returns.
    @Test(.enabled(if: geteuid() == 0 && NginxTree.debianDefaultSite != nil, "setup needs root; nginx-light"))
    func aRefusedConfigurationIsUndone() throws {
        let temp = try TemporaryDirectory("setup-nginx")
        defer { temp.remove() }
        let tree = try NginxTree(temp, defaultSite: NginxTree.debianDefaultSite!)
        defer { tree.stop() }
        try AtomicFile.write(Array("server { nonsense; }\n".utf8), to: temp("root/nginx/broken.conf"))
        let result = try tree.setUp()
        #expect(result.status == .exited(3), "\(result.standardOutput)")
        #expect(result.standardError.contains("dokuen: error: routing stays off: nginx -t refused the configuration"))
        #expect(try Posix.lstat(tree.directory + "/conf.d/dokuen.conf") == nil)
        #expect(try Posix.lstat(tree.directory + "/sites-enabled/default")?.kind == .symlink)
        #expect(try tree.masterPID() == nil)
    }
}

/// A system nginx's configuration tree in a temp directory, shaped like Debian's (`conf.d/*.conf` then
/// `sites-enabled/*` inside `http {}`), with its pid file, logs and temp paths inside, so a test never touches
/// /etc/nginx or port 80. `root/nginx/hello.conf` stands for dokuend's files: hello.localhost on a free port.
struct NginxTree {
    static let binary = NginxSettings.findBinary(searchPath: Posix.environment()["PATH"]) ?? ""
    /// Debian's packaged default site, when nginx-common is installed.
    static let debianDefaultSite = (try? Posix.readFile("/etc/nginx/sites-available/default")).map {
        String(decoding: $0, as: UTF8.self)
    }

    let directory: String
    let root: String
    var httpPort = freeTCPPort()
    let httpsPort = freeTCPPort()

    var options: [String] {
        ["--nginx-conf-dir", directory, "--http-port", "\(httpPort)", "--https-port", "\(httpsPort)"]
    }

    init(_ temp: TemporaryDirectory, defaultSite: String?) throws {
        directory = temp("nginx")
        root = temp("root")
        for path in [
            "nginx", "nginx/tmp", "nginx/conf.d", "nginx/sites-available", "nginx/sites-enabled", "root",
            "root/nginx",
        ] {
            try Posix.mkdir(temp(path))
        }
        let config = """
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 64; }
            http {
                access_log off;
                client_body_temp_path \(directory)/tmp/body;
                proxy_temp_path \(directory)/tmp/proxy;
                fastcgi_temp_path \(directory)/tmp/fastcgi;
                uwsgi_temp_path \(directory)/tmp/uwsgi;
                scgi_temp_path \(directory)/tmp/scgi;
                include \(directory)/conf.d/*.conf;
                include \(directory)/sites-enabled/*;
            }

            """
        try AtomicFile.write(Array(config.utf8), to: directory + "/nginx.conf")
        if let defaultSite {
            try AtomicFile.write(Array(defaultSite.utf8), to: directory + "/sites-available/default")
            try Posix.symlink(target: directory + "/sites-available/default", at: directory + "/sites-enabled/default")
        }
        let hello = """
            server {
                listen 127.0.0.1:\(httpPort);
                server_name hello.localhost;
                location / { return 200 "hello from the example\\n"; }
            }

            """
        try AtomicFile.write(Array(hello.utf8), to: temp("root/nginx/hello.conf"))
    }

    /// `dokuen setup --nginx-only` on this tree and its root, with `extra` arguments.
    func setUp(_ extra: [String] = []) throws -> ProgramResult {
        try runProgram(
            builtProductsDirectory() + "/dokuen", ["setup", "--nginx-only", "--root", root] + extra + options)
    }

    /// The running master's pid, from its pid file.
    func masterPID() throws -> Int32? {
        guard let bytes = try? Posix.readFile(directory + "/nginx.pid"),
            let pid = Int32(String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }),
            try Posix.kill(pid, 0)
        else { return nil }
        return pid
    }

    /// Stops the master this test started (by its pid) and waits for it to go.
    func stop() {
        guard let pid = try? masterPID() else { return }
        _ = try? Posix.kill(pid, SIGTERM)
        _ = try? Posix.waitForExit(pid: pid, milliseconds: 10_000)
    }
}
