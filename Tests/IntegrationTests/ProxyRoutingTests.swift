import DokuenPosix
import TestSupport
import Testing

/// `dokuen proxies`, through a real nginx on loopback: a tiny HTTP server the test starts is served under the
/// proxy's name, then over TLS once `certs add` gives it a certificate (checked against that certificate with
/// curl --cacert); bad URLs and claimed names are refused before anything reaches nginx.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ProxyRoutingTests {
    @Test(.enabled(if: NginxHarness.binary != nil && which("openssl") != nil, "needs nginx and openssl"))
    func anOutsideServiceIsServedUnderItsNameWithTLS() throws {
        let harness = try NginxHarness(label: "rt-proxy")
        defer { harness.stop() }
        let daemon = harness.daemon
        let site = daemon.temp("outside")
        try Posix.mkdir(site)
        try AtomicFile.write(Array("from the NAS\n".utf8), to: site + "/hello.txt")
        let port = freeTCPPort()
        let server = try BackgroundProgram(
            "/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { server.stop() }

        let added = try daemon.dokuen(["proxies", "add", "rtnas", "http://127.0.0.1:\(port)"])
        #expect(added.status == .exited(0), "\(added.standardError)")
        #expect(added.standardOutput == "Added proxy rtnas: rtnas.localhost -> http://127.0.0.1:\(port)\n")
        try daemon.waitFor("nginx proxies rtnas") {
            try harness.get("rtnas.localhost", path: "/hello.txt").standardOutput == "from the NAS\n"
        }
        #expect(
            try daemon.dokuen(["proxies"]).standardOutput == "rtnas  rtnas.localhost -> http://127.0.0.1:\(port)\n")

        // Access rules apply to a proxy as to an app.
        #expect(try daemon.dokuen(["access", "deny", "rtnas", "127.0.0.1"]).status == .exited(0))
        try daemon.waitFor("nginx denies 127.0.0.1") {
            try harness.get("rtnas.localhost", path: "/hello.txt").standardOutput.contains("403 Forbidden")
        }
        #expect(try daemon.dokuen(["access", "clear", "rtnas"]).status == .exited(0))
        try daemon.waitFor("nginx lets 127.0.0.1 in again") {
            try harness.get("rtnas.localhost", path: "/hello.txt").standardOutput == "from the NAS\n"
        }

        // TLS: a self-signed certificate for its name, and curl that trusts only it.
        let openssl = try #require(which("openssl"))
        let made = try runProgram(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=rtnas.localhost",
                "-addext", "subjectAltName=DNS:rtnas.localhost", "-keyout", daemon.temp("key.pem"), "-out",
                daemon.temp("cert.pem"),
            ])
        #expect(made.status == .exited(0), "\(made.standardError)")
        let certified = try daemon.dokuen(["certs", "add", "rtnas", daemon.temp("cert.pem"), daemon.temp("key.pem")])
        #expect(certified.status == .exited(0), "\(certified.standardError)")
        func https() throws -> ProgramResult {
            try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "10", "--cacert", daemon.temp("cert.pem"), "--resolve",
                    "rtnas.localhost:\(harness.tlsPort):127.0.0.1",
                    "https://rtnas.localhost:\(harness.tlsPort)/hello.txt",
                ])
        }
        try daemon.waitFor("nginx serves rtnas over TLS") { try https().standardOutput == "from the NAS\n" }
        // Plain HTTP redirects there (awaited: an old worker may answer for a moment after the reload).
        try daemon.waitFor("plain HTTP redirects to https") {
            try runProgram(
                "/usr/bin/curl",
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: rtnas.localhost",
                    "http://127.0.0.1:\(harness.port)/hello.txt",
                ]
            ).standardOutput == "301"
        }

        // Refused before anything reaches nginx: bad URLs, claimed names.
        func files() throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for name in try Posix.listDirectory(daemon.root + "/nginx") {
                files[name] = try Posix.readFile(daemon.root + "/nginx/" + name)
            }
            return files
        }
        let before = try files()
        for url in [
            "file:///etc/passwd", "http://[::1", "http://a\"b", "http://a b", "http://a;b", "http://a\nb",
            "http://host/x;y", "http://host/$x", "http://host/{x}",
        ] {
            let refused = try daemon.dokuen(["proxies", "add", "rtbad", url])
            #expect(refused.status == .exited(1), "\(url)")
            #expect(refused.standardError.hasPrefix("dokuen: error: invalid upstream URL"), "\(refused.standardError)")
        }
        let taken = try daemon.dokuen([
            "proxies", "add", "rtother", "http://127.0.0.1:9", "--domain", "rtnas.localhost",
        ])
        #expect(
            taken.standardError
                == "dokuen: error: unable to add proxy rtother at rtnas.localhost: it is already routed to proxy rtnas\n"
        )
        let base = try daemon.dokuen(["proxies", "add", "rtother", "http://127.0.0.1:9", "--domain", "localhost"])
        #expect(base.standardError.contains("it is the base domain"), "\(base.standardError)")
        let app = try daemon.dokuen(["apps", "create", "rtnas"])
        #expect(
            app.standardError
                == "dokuen: error: unable to create app rtnas: its host name rtnas.localhost is already routed to proxy "
                + "rtnas\n")
        #expect(try files() == before, "no refused proxy reaches nginx")
        // A proxy under another name still holds its own name: no app takes it (their certificates share a path).
        let other = try daemon.dokuen([
            "proxies", "add", "rtnas2", "http://127.0.0.1:\(port)", "--domain", "nas2.example",
        ])
        #expect(other.status == .exited(0), "\(other.standardError)")
        #expect(
            try daemon.dokuen(["apps", "create", "rtnas2"]).standardError
                == "dokuen: error: unable to create app rtnas2: a proxy has that name (dokuen proxies list)\n")
        #expect(try daemon.dokuen(["proxies", "remove", "rtnas2"]).status == .exited(0))
        #expect(try daemon.dokuen(["proxies", "--json"]).standardOutput.contains("\"rtnas\""))

        #expect(try daemon.dokuen(["proxies", "remove", "rtnas"]).standardOutput == "Removed proxy rtnas\n")
        #expect(try Posix.lstat(daemon.root + "/nginx/_proxy-rtnas.conf") == nil)
        #expect(try daemon.dokuen(["proxies"]).standardOutput == "no proxy\n")
        let events = try daemon.dokuen(["events"]).standardOutput
        #expect(events.contains("proxy.add") && events.contains("proxy.remove"), "\(events)")
    }
}
