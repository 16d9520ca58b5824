import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dokuen certs` through a real nginx and real openssl: a certificate makes nginx serve the app over TLS and
/// redirect plain HTTP; a pair nginx refuses changes nothing (issue 7: "the old config stays and nginx keeps
/// serving"); input that is not PEM is refused before anything is written; removing the certificate brings plain
/// HTTP back.
@Suite(.serialized, .timeLimit(.minutes(4))) struct CertsTests {
    static let openssl = "/usr/bin/openssl"

    /// A web that answers with a fixed body.
    static let app = """
        import http.server, os
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                body = b"hello over tls\\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    /// `openssl` with arguments; the test fails with its output when it does.
    static func openssl(_ arguments: [String]) throws {
        let result = try runProgram(openssl, arguments, environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == .exited(0), "openssl \(arguments): \(result.standardError)")
    }

    @Test(
        .enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"),
        .enabled(if: access(openssl, X_OK) == 0, "needs openssl"))
    func certificateServesTLSAndARefusedOneChangesNothing() throws {
        // An ACME webroot with one challenge: it stays on plain HTTP when everything else redirects.
        let webroot = try TemporaryDirectory("acme")
        defer { webroot.remove() }
        try Posix.chmod(webroot.path, 0o755)  // nginx's workers run as nobody
        for directory in [".well-known", ".well-known/acme-challenge"] {
            try Posix.mkdir(webroot(directory), mode: 0o755)
        }
        try AtomicFile.write(Array("token-1.key\n".utf8), to: webroot(".well-known/acme-challenge/token-1"))
        let harness = try NginxHarness(label: "certs", options: ["--acme-webroot", webroot.path])
        defer { harness.stop() }
        let daemon = harness.daemon
        let root = daemon.root

        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.app.utf8), to: daemon.temp("app/app.py"))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        try daemon.waitFor("nginx routes blog") {
            try harness.get("blog.localhost").standardOutput == "hello over tls\n"
        }

        // A self-signed certificate for blog.localhost, its key, and a second key that does not match it.
        let certificate = daemon.temp("blog.crt")
        let key = daemon.temp("blog.key")
        let otherKey = daemon.temp("other.key")
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=blog.localhost", "-days", "2", "-keyout",
            key, "-out", certificate,
        ])
        try Self.openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", otherKey])
        let paths = (
            directory: root + "/apps/blog/tls", certificate: root + "/apps/blog/tls/server.crt",
            key: root + "/apps/blog/tls/server.key", nginx: root + "/nginx/blog.conf"
        )

        // Input that is not PEM, or the files swapped, or a file that is not there: refused, nothing written.
        let plainRoutes = try Posix.readFile(paths.nginx)
        try AtomicFile.write(Array("not a certificate\n".utf8), to: daemon.temp("junk.pem"))
        try AtomicFile.write([0x30, 0x82, 0x01, 0x0A, 0x02, 0x82], to: daemon.temp("cert.der"))
        let refusals: [([String], String)] = [
            ([daemon.temp("junk.pem"), key], "dokuen: error: invalid certificate: it holds no PEM block"),
            ([daemon.temp("cert.der"), key], "dokuen: error: invalid certificate: it is not PEM text"),
            ([key, certificate], "dokuen: error: invalid certificate: line 1 begins a PRIVATE KEY block"),
            ([certificate, certificate], "dokuen: error: invalid private key: line 1 begins a CERTIFICATE block"),
            ([daemon.temp("missing.pem"), key], "dokuen: error: blog: unable to read the certificate file"),
        ]
        for (files, message) in refusals {
            let refused = try daemon.dokuen(["certs", "add", "blog"] + files)
            #expect(refused.status == .exited(1), "\(files)")
            #expect(refused.standardError.hasPrefix(message), "\(refused.standardError)")
            #expect(refused.standardError.split(separator: "\n").count == 1, "one line: \(refused.standardError)")
        }
        #expect(try Posix.lstat(paths.directory) == nil, "nothing was written")
        #expect(try Posix.readFile(paths.nginx) == plainRoutes)
        let none = try daemon.dokuen(["certs", "blog"])
        #expect(
            none.standardOutput == "blog has no certificate; it is served at http://blog.localhost:\(harness.port)/\n")

        // A good pair: https serves the app, plain HTTP redirects there.
        let added = try daemon.dokuen(["certs", "add", "blog", certificate, key])
        #expect(added.status == .exited(0), "\(added.standardError)")
        #expect(added.standardOutput.hasPrefix("Installed the certificate of blog: CN=blog.localhost"))
        #expect(
            added.standardOutput.contains("https://blog.localhost:\(harness.tlsPort)/ (plain HTTP redirects there)"))
        try daemon.waitFor("nginx serves blog over TLS") {
            try harness.getTLS("blog.localhost").standardOutput == "hello over tls\n"
        }
        // The reload is a signal: old workers may answer a moment longer, so the redirect is awaited too.
        var redirect = ""
        try daemon.waitFor("plain HTTP redirects to https") {
            redirect = try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-H",
                    "Host: blog.localhost", "http://127.0.0.1:\(harness.port)/some/path?q=1",
                ]
            ).standardOutput
            return redirect.hasPrefix("301 ")
        }
        #expect(redirect == "301 https://blog.localhost:\(harness.tlsPort)/some/path?q=1")
        let challenge = try harness.get("blog.localhost", path: "/.well-known/acme-challenge/token-1")
        #expect(challenge.standardOutput == "token-1.key\n", "\(challenge.standardError)")

        // The key is dokuend's alone (root's here): apps, which run as users of their own, cannot read it.
        let keyInfo = try #require(try Posix.lstat(paths.key))
        #expect(keyInfo.permissions & 0o777 == 0o600)
        #expect(keyInfo.uid == geteuid())
        #expect(try #require(try Posix.lstat(paths.directory + "/")).permissions & 0o777 == 0o700)
        #expect(try #require(try Posix.lstat(paths.certificate)).permissions & 0o777 == 0o644)

        let info = try JSONDecoder().decode(
            CertificateInfo.self, from: Data(try daemon.dokuen(["certs", "info", "blog", "--json"]).stdout))
        #expect(info.installed && info.served)
        #expect(info.subject == "CN=blog.localhost" && info.issuer == "CN=blog.localhost")
        #expect(info.url == "https://blog.localhost:\(harness.tlsPort)/")
        let now = Int64(time(nil))
        #expect(info.notAfter.map { (now + 86_400...now + 3 * 86_400).contains($0) } == true, "\(info)")

        // A key that does not match: nginx -t refuses it, and nothing changes.
        let routes = try Posix.readFile(paths.nginx)
        let installed = (try Posix.readFile(paths.certificate), try Posix.readFile(paths.key))
        let refused = try daemon.dokuen(["certs", "add", "blog", certificate, otherKey])
        #expect(refused.status == .exited(1))
        #expect(
            refused.standardError.hasPrefix(
                "dokuen: error: unable to install the certificate of blog: nginx -t refused it"),
            "\(refused.standardError)")
        #expect(refused.standardError.contains("key values mismatch"), "nginx's complaint: \(refused.standardError)")
        #expect(refused.standardError.hasSuffix("; its previous certificate stays\n"))
        #expect(try Posix.readFile(paths.nginx) == routes, "the nginx file is byte-identical")
        #expect(try Posix.readFile(paths.certificate) == installed.0)
        #expect(try Posix.readFile(paths.key) == installed.1)
        #expect(try Posix.listDirectory(paths.directory).sorted() == ["server.crt", "server.key"], "no leftovers")
        #expect(try harness.getTLS("blog.localhost").standardOutput == "hello over tls\n", "nginx keeps serving")

        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(events.contains("certs.add  CN=blog.localhost, issuer CN=blog.localhost"), "\(events)")

        // Removed: plain HTTP serves again, with no redirect.
        let removed = try daemon.dokuen(["certs", "remove", "blog"])
        #expect(removed.status == .exited(0), "\(removed.standardError)")
        #expect(
            removed.standardOutput
                == "Removed the certificate of blog; it is served at http://blog.localhost:\(harness.port)/\n")
        #expect(try Posix.lstat(paths.directory) == nil)
        try daemon.waitFor("nginx serves blog on plain HTTP") {
            let plain = try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "10", "-w", "%{http_code}", "-H", "Host: blog.localhost",
                    "http://127.0.0.1:\(harness.port)/",
                ])
            return plain.standardOutput == "hello over tls\n200"
        }
        #expect(try daemon.dokuen(["events", "blog"]).standardOutput.contains("certs.remove"))
        let again = try daemon.dokuen(["certs", "remove", "blog"])
        #expect(again.status == .exited(1))
        #expect(again.standardError == "dokuen: error: unable to remove the certificate of blog: it has none\n")
    }

    /// Without nginx the files are stored all the same (and used once dokuend runs with nginx); the answer says
    /// that nothing serves them.
    @Test(.enabled(if: access(openssl, X_OK) == 0, "needs openssl"))
    func withRoutingOffTheCertificateIsStoredAndSaidUnserved() throws {
        let daemon = try DaemonHarness(label: "certs-off")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let certificate = daemon.temp("blog.crt")
        let key = daemon.temp("blog.key")
        try Self.openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=blog.localhost", "-days", "2", "-keyout",
            key, "-out", certificate,
        ])
        let added = try daemon.dokuen(["certs", "add", "blog", certificate, key])
        #expect(added.status == .exited(0), "\(added.standardError)")
        #expect(
            added.standardOutput.hasSuffix(
                "\nrouting is off (dokuend found no nginx), so nothing serves it; it is used once dokuend runs with nginx\n"
            ), "\(added.standardOutput)")
        let stored = try Posix.readFile(daemon.root + "/apps/blog/tls/server.key")
        #expect(String(decoding: stored, as: UTF8.self).hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let info = try JSONDecoder().decode(
            CertificateInfo.self, from: Data(try daemon.dokuen(["certs", "blog", "--json"]).stdout))
        #expect(
            info
                == CertificateInfo(
                    app: "blog", installed: true, served: false, url: nil, subject: "CN=blog.localhost",
                    issuer: "CN=blog.localhost", notAfter: info.notAfter))
        #expect(info.notAfter != nil)
        // Its expiry in the metrics (docs/METRICS.md), until it is removed.
        let expiry = #"dokuen_certificate_expiry_timestamp_seconds{app="blog"}"#
        #expect(MetricsTests.value(try MetricsTests.scrape(daemon), expiry) == info.notAfter.map(Double.init))
        #expect(try daemon.dokuen(["certs", "remove", "blog"]).standardOutput == "Removed the certificate of blog\n")
        #expect(try daemon.dokuen(["certs", "blog"]).standardOutput == "blog has no certificate\n")
        #expect(MetricsTests.value(try MetricsTests.scrape(daemon), expiry) == nil)
        let unknown = try daemon.dokuen(["certs", "nosuch"])
        #expect(unknown.status == .exited(1))
    }
}
