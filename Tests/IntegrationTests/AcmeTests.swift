import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Automatic certificates (docs/CERTS.md) against a real ACME server: Debian's pebble, with pebble-challtestsrv as
/// its DNS (every name is 127.0.0.1, and DNS-01 records are set through its management API), a real nginx and a
/// real lego. HTTP-01: issued, served (verified against pebble's root), renewed under load with no failed request,
/// and a failed renewal keeps the old certificate serving and shows in `certs info`, `status` and `events`. DNS-01:
/// an app's certificate through the exec hook, and the base domain's wildcard through RFC 2136 (a real bind9),
/// which covers two apps.
@Suite(.serialized, .timeLimit(.minutes(6))) struct AcmeTests {
    static let openssl = "/usr/bin/openssl"
    static let tools = ["/usr/bin/lego", "/usr/bin/pebble", "/usr/bin/pebble-challtestsrv", openssl, "/usr/bin/curl"]
    static var available: Bool { NginxHarness.binary != nil && tools.allSatisfy { access($0, X_OK) == 0 } }
    static let base = "example.test"

    /// pebble and its DNS, on free loopback ports; `stop()` kills both by pid.
    final class Pebble {
        let directory: TemporaryDirectory
        let listen = freeTCPPort()
        let management = freeTCPPort()
        let dns = freeTCPPort()
        let dnsManagement = freeTCPPort()
        var pebble: BackgroundProgram?
        var challenges: BackgroundProgram?

        init() throws {
            directory = try TemporaryDirectory("pebble")
            // pebble's own TLS pair: lego trusts it through --acme-ca-certificates.
            let result = try runProgram(
                AcmeTests.openssl,
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "2", "-keyout", directory("key.pem"),
                    "-out", directory("cert.pem"),
                ], environment: ["PATH": "/usr/bin:/bin"])
            #expect(result.status == .exited(0), "\(result.standardError)")
        }

        var directoryURL: String { "https://127.0.0.1:\(listen)/dir" }
        var caFile: String { directory("cert.pem") }

        /// Starts both (pebble alone, asking `dnsServer`, when it is given); http-01 validation goes to `httpPort`
        /// (the test's nginx).
        func start(httpPort: Int, dnsServer: String? = nil) throws {
            let config = """
                {"pebble": {"listenAddress": "127.0.0.1:\(listen)", "managementListenAddress": "127.0.0.1:\(management)",
                "certificate": "\(directory("cert.pem"))", "privateKey": "\(directory("key.pem"))",
                "httpPort": \(httpPort), "tlsPort": \(freeTCPPort()), "ocspResponderURL": "",
                "externalAccountBindingRequired": false}}
                """
            try AtomicFile.write(Array(config.utf8), to: directory("pebble.json"))
            if dnsServer == nil {
                challenges = try BackgroundProgram(
                    "/usr/bin/pebble-challtestsrv",
                    [
                        "-defaultIPv6", "", "-dns01", "127.0.0.1:\(dns)", "-http01", "", "-https01", "", "-tlsalpn01",
                        "",
                        "-management", "127.0.0.1:\(dnsManagement)",
                    ], environment: ["PATH": "/usr/bin:/bin"])
            }
            pebble = try BackgroundProgram(
                "/usr/bin/pebble",
                ["-config", directory("pebble.json"), "-dnsserver", dnsServer ?? "127.0.0.1:\(dns)"],
                environment: ["PATH": "/usr/bin:/bin", "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"])
            // Each says when it listens (pebble after making its root and intermediate keys, which a loaded machine
            // can take seconds over); then one request shows the socket is really there.
            let pebble = self.pebble
            try waitUntil("pebble serves its directory on \(listen)") {
                (pebble?.standardOutput ?? "").contains("ACME directory available at")
                    || (pebble?.standardError ?? "").contains("ACME directory available at")
            }
            if let challenges = self.challenges {
                try waitUntil("pebble-challtestsrv listens on \(dnsManagement)") {
                    (challenges.standardOutput + challenges.standardError).contains("Starting management server")
                }
            }
            for url in ["https://127.0.0.1:\(listen)/dir", "https://127.0.0.1:\(management)/roots/0"] {
                try waitUntil("pebble answers \(url)") {
                    try runProgram("/usr/bin/curl", ["-sfk", "--max-time", "5", "-o", "/dev/null", url]).status
                        == .exited(0)
                }
            }
        }

        /// pebble's issuing root (a new one at each start), as a file for `openssl s_client -CAfile`.
        func root() throws -> String {
            let path = directory("root.pem")
            let result = try runProgram(
                "/usr/bin/curl", ["-sSk", "--max-time", "10", "-o", path, "https://127.0.0.1:\(management)/roots/0"])
            #expect(result.status == .exited(0), "\(result.standardError)")
            return path
        }

        func stopPebble() {
            pebble?.stop()
            pebble = nil
        }

        func stop() {
            stopPebble()
            challenges?.stop()
            directory.remove()
        }
    }

    /// Waits up to a minute (a loaded machine is slow, and the suite's time limit is the real bound) for `condition`.
    static func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while ContinuousClock.now < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        throw ProgramRunError(description: "never \(what)")
    }

    /// The certificate nginx serves for `host`, verified against `root`: its serial, or nil when it does not verify.
    static func servedSerial(_ host: String, port: Int, root: String, scratch: String) throws -> String? {
        let handshake = try runProgram(
            openssl,
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-servername", host, "-CAfile", root,
                "-verify_return_error", "-verify_hostname", host,
            ], environment: ["PATH": "/usr/bin:/bin"], deadlineSeconds: 20)
        guard handshake.status == .exited(0), handshake.standardOutput.contains("Verify return code: 0 (ok)") else {
            return nil
        }
        try AtomicFile.write(handshake.stdout, to: scratch)
        let serial = try runProgram(
            openssl, ["x509", "-in", scratch, "-noout", "-serial"], environment: ["PATH": "/usr/bin:/bin"])
        return serial.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: AcmeTests.available, "needs nginx, lego, pebble, pebble-challtestsrv, openssl and curl"))
    func http01IssuesRenewsUnderLoadAndAFailedRenewalKeepsServing() throws {
        let pebble = try Pebble()
        defer { pebble.stop() }
        let webroot = try TemporaryDirectory("acme-webroot")
        defer { webroot.remove() }
        try Posix.chmod(webroot.path, 0o755)  // nginx's workers run as nobody
        let harness = try NginxHarness(
            label: "acme-http",
            options: [
                "--base-domain", Self.base, "--acme-webroot", webroot.path, "--acme-email", "admin@example.com",
                "--acme-directory", pebble.directoryURL, "--acme-ca-certificates", pebble.caFile,
            ])
        defer { harness.stop() }
        try pebble.start(httpPort: harness.port)
        let daemon = harness.daemon
        let host = "acme1." + Self.base

        #expect(try daemon.dokuen(["apps", "create", "acme1"]).status == .exited(0))
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(CertsTests.app.utf8), to: daemon.temp("app/app.py"))
        let deployed = try daemon.dokuen(["deploy", "acme1", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        try daemon.waitFor("nginx routes acme1") { try harness.get(host).standardOutput == "hello over tls\n" }

        // Issued: nginx serves a certificate that verifies against pebble's root for the app's name.
        let started = Date()
        let issued = try daemon.dokuen(["certs", "auto", "acme1"], deadlineSeconds: 120)
        let issueSeconds = Date().timeIntervalSince(started)
        #expect(issued.status == .exited(0), "\(issued.standardError)")
        #expect(issued.standardOutput.hasPrefix("Obtained a certificate for acme1 (issuer CN=Pebble Intermediate"))
        print("AcmeTests: certs auto took \(String(format: "%.1f", issueSeconds)) s")
        let root = try pebble.root()
        var first: String?
        try daemon.waitFor("nginx serves pebble's certificate") {
            first = try Self.servedSerial(host, port: harness.tlsPort, root: root, scratch: daemon.temp("s1"))
            return first != nil
        }
        var info = try Self.info(daemon, "acme1")
        #expect(info.installed && info.served && info.issuer?.hasPrefix("CN=Pebble Intermediate") == true)
        #expect(info.automatic?.challenge == "http-01" && info.automatic?.domains == [host])
        #expect(info.automatic?.failures == 0 && info.automatic?.lastSuccess != nil)
        #expect(try daemon.dokuen(["events", "acme1"]).standardOutput.contains("certs.issued"))

        // Renewed under load: every request of the loop answers 200, and the serial changes.
        let codes = daemon.temp("codes")
        let stopFile = daemon.temp("stop-load")
        let load = try BackgroundProgram(
            "/bin/sh",
            [
                "-c",
                """
                while [ ! -e "$1" ]; do
                    curl -s --max-time 5 --cacert "$2" --resolve "$3:$4:127.0.0.1" -o /dev/null -w '%{http_code}\\n' \
                        "https://$3:$4/" >> "$5" || echo "curl failed $?" >> "$5"
                done
                """, "load", stopFile, root, host, String(harness.tlsPort), codes,
            ], environment: ["PATH": "/usr/bin:/bin"])
        defer { load.stop() }
        try daemon.waitFor("the load loop runs") { ((try? Posix.readFile(codes)) ?? []).count > 20 }
        let renewed = try daemon.dokuen(["certs", "renew", "acme1"], deadlineSeconds: 120)
        #expect(renewed.status == .exited(0), "\(renewed.standardError)")
        var second: String?
        try daemon.waitFor("nginx serves the renewed certificate") {
            second = try Self.servedSerial(host, port: harness.tlsPort, root: root, scratch: daemon.temp("s2"))
            return second != nil && second != first
        }
        let before = String(decoding: try Posix.readFile(codes), as: UTF8.self).split(separator: "\n").count
        try daemon.waitFor("the load loop runs after the renewal") {
            String(decoding: try Posix.readFile(codes), as: UTF8.self).split(separator: "\n").count > before + 20
        }
        try AtomicFile.write([], to: stopFile)
        _ = try load.wait(milliseconds: 10_000)
        let answers = String(decoding: try Posix.readFile(codes), as: UTF8.self).split(separator: "\n")
        #expect(!answers.isEmpty && answers.allSatisfy { $0 == "200" }, "\(Set(answers)) in \(answers.count)")
        print("AcmeTests: \(answers.count) requests under the renewal, all 200")
        #expect(try daemon.dokuen(["events", "acme1"]).standardOutput.contains("certs.renewed"))

        // pebble stopped: the renewal fails, the old certificate keeps serving, and the failure shows everywhere.
        pebble.stopPebble()
        let failed = try daemon.dokuen(["certs", "renew", "acme1"], deadlineSeconds: 120)
        #expect(failed.status == .exited(69), "EX_UNAVAILABLE")
        #expect(
            failed.standardError.hasPrefix("dokuen: error: unable to obtain a certificate for acme1: lego:"),
            "\(failed.standardError)")
        #expect(failed.standardError.contains("the current certificate keeps serving until"))
        #expect(failed.standardError.split(separator: "\n").count == 1, "one line: \(failed.standardError)")
        #expect(try Self.servedSerial(host, port: harness.tlsPort, root: root, scratch: daemon.temp("s3")) == second)
        info = try Self.info(daemon, "acme1")
        #expect(info.installed && info.automatic?.failures == 1)
        #expect(info.automatic?.lastError?.hasPrefix("lego:") == true, "\(String(describing: info.automatic))")
        #expect(info.automatic?.nextAttempt != nil)
        let text = try daemon.dokuen(["certs", "info", "acme1"]).standardOutput
        #expect(text.contains("failing:   1 time in a row") && text.contains("error:     lego:"), "\(text)")
        let status = try daemon.dokuen(["status"]).standardOutput
        #expect(status.contains("warning: the certificate of acme1 expires "), "\(status)")
        #expect(status.contains("renewal failed 1 time: lego:"), "\(status)")
        #expect(try daemon.dokuen(["events", "acme1"]).standardOutput.contains("certs.failed"))

        // Off: nothing renews it any more, and the certificate stays.
        let off = try daemon.dokuen(["certs", "auto", "acme1", "--off"])
        #expect(off.standardOutput == "acme1: automatic renewal is off; the current certificate stays\n")
        #expect(try Self.info(daemon, "acme1").automatic == nil)
        #expect(!(try daemon.dokuen(["status"]).standardOutput.contains("warning:")))
        #expect(try Self.servedSerial(host, port: harness.tlsPort, root: root, scratch: daemon.temp("s4")) == second)
    }

    @Test(.enabled(if: AcmeTests.available, "needs nginx, lego, pebble, pebble-challtestsrv, openssl and curl"))
    func dns01ThroughTheHookIssuesAnAppsCertificate() throws {
        let pebble = try Pebble()
        defer { pebble.stop() }
        // The user's hook: lego runs it as HOOK present|cleanup FQDN VALUE; it sets the record in pebble's DNS.
        let hook = pebble.directory("dns-hook")
        try AtomicFile.write(
            Array(
                """
                #!/bin/sh
                case "$1" in
                present) exec curl -sS --max-time 10 -d "{\\"host\\":\\"$2\\",\\"value\\":\\"$3\\"}" \
                    http://127.0.0.1:\(pebble.dnsManagement)/set-txt ;;
                cleanup) exec curl -sS --max-time 10 -d "{\\"host\\":\\"$2\\"}" \
                    http://127.0.0.1:\(pebble.dnsManagement)/clear-txt ;;
                esac

                """.utf8), to: hook, mode: 0o755)
        try Posix.chmod(pebble.directory.path, 0o755)
        let harness = try NginxHarness(
            label: "acme-dns",
            options: [
                "--base-domain", Self.base, "--acme-email", "admin@example.com", "--acme-directory",
                pebble.directoryURL, "--acme-ca-certificates", pebble.caFile, "--acme-dns", "exec:" + hook,
                "--acme-dns-resolver", "127.0.0.1:\(pebble.dns)",
            ])
        defer { harness.stop() }
        try pebble.start(httpPort: harness.port)
        let daemon = harness.daemon
        #expect(try daemon.dokuen(["apps", "create", "acme2"]).status == .exited(0))
        let started = Date()
        let issued = try daemon.dokuen(["certs", "auto", "acme2", "--dns"], deadlineSeconds: 180)
        #expect(issued.status == .exited(0), "\(issued.standardError)")
        print("AcmeTests: DNS-01 through the hook took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let root = try pebble.root()
        try daemon.waitFor("nginx serves acme2's certificate") {
            try Self.servedSerial(
                "acme2.\(Self.base)", port: harness.tlsPort, root: root, scratch: daemon.temp("h-acme2")) != nil
        }
        let info = try Self.info(daemon, "acme2")
        #expect(info.installed && info.automatic?.challenge == "dns-01", "\(info)")
    }

    /// The renewal service retries on its own: a first attempt while the CA is down fails (exit 69, recorded, the
    /// next try a minute later: the backoff's first step); once the CA is up, dokuend obtains the certificate with no
    /// command, as `dokuend (renewal)`.
    @Test(.enabled(if: AcmeTests.available, "needs nginx, lego, pebble, pebble-challtestsrv, openssl and curl"))
    func aFailedFirstAttemptIsRetriedByTheServiceAfterTheBackoff() throws {
        let pebble = try Pebble()
        defer { pebble.stop() }
        let webroot = try TemporaryDirectory("acme-webroot")
        defer { webroot.remove() }
        try Posix.chmod(webroot.path, 0o755)
        let harness = try NginxHarness(
            label: "acme-retry",
            options: [
                "--base-domain", Self.base, "--acme-webroot", webroot.path, "--acme-email", "admin@example.com",
                "--acme-directory", pebble.directoryURL, "--acme-ca-certificates", pebble.caFile,
            ])
        defer { harness.stop() }
        let daemon = harness.daemon
        #expect(try daemon.dokuen(["apps", "create", "acme6"]).status == .exited(0))
        let failed = try daemon.dokuen(["certs", "auto", "acme6"], deadlineSeconds: 120)
        #expect(failed.status == .exited(69), "\(failed.standardError)")
        #expect(failed.standardError.contains("acme6 has no certificate yet; next try"), "\(failed.standardError)")
        let first = try #require(try Self.info(daemon, "acme6").automatic)
        #expect(first.failures == 1 && first.lastSuccess == nil)
        #expect(first.nextAttempt == first.lastAttempt.map { $0 + 60 }, "the first backoff step is one minute")

        try pebble.start(httpPort: harness.port)
        var info = try Self.info(daemon, "acme6")
        for _ in 0..<240 where !info.installed {
            usleep(500_000)
            info = try Self.info(daemon, "acme6")
        }
        #expect(info.installed && info.automatic?.failures == 0, "\(info)")
        #expect(info.issuer?.hasPrefix("CN=Pebble Intermediate") == true)
        let events = try daemon.dokuen(["events", "acme6"]).standardOutput
        #expect(events.contains("dokuend (renewal)") && events.contains("certs.issued"), "\(events)")
    }

    /// DNS-01 by RFC 2136: a bind9 on a loopback port, authoritative for the base domain, takes lego's TSIG-signed
    /// updates, and pebble reads the records from it: the base domain's wildcard, which then covers two apps. The
    /// wildcard and the base name have the same record name, so lego sets them one after the other; the file's
    /// RFC2136_SEQUENCE_INTERVAL=1 shortens its wait between them from 60 s.
    @Test(
        .enabled(if: AcmeTests.available, "needs nginx, lego, pebble, openssl and curl"),
        .enabled(if: access("/usr/sbin/named", X_OK) == 0, "needs bind9"))
    func dns01WildcardThroughRFC2136CoversTwoApps() throws {
        let pebble = try Pebble()
        defer { pebble.stop() }
        let port = freeTCPPort()
        let secret = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let zone = """
            $TTL 60
            @ IN SOA ns.\(Self.base). admin.\(Self.base). 1 60 60 600 60
            @ IN NS ns.\(Self.base).
            @ IN A 127.0.0.1
            * IN A 127.0.0.1

            """
        let config = """
            key "dokuen." { algorithm hmac-sha256; secret "\(secret)"; };
            options {
                directory "\(pebble.directory.path)"; pid-file "\(pebble.directory("named.pid"))";
                listen-on port \(port) { 127.0.0.1; }; listen-on-v6 { none; };
                recursion no; dnssec-validation no;
            };
            zone "\(Self.base)" { type master; file "\(pebble.directory("zone"))"; allow-update { key "dokuen."; }; };

            """
        try AtomicFile.write(Array(zone.utf8), to: pebble.directory("zone"))
        try AtomicFile.write(Array(config.utf8), to: pebble.directory("named.conf"))
        let named = try BackgroundProgram(
            "/usr/sbin/named", ["-g", "-c", pebble.directory("named.conf")], environment: ["PATH": "/usr/bin:/bin"])
        defer { named.stop() }
        try Self.waitUntil("bind answers") {
            named.standardError.contains("running")
        }
        let secrets = pebble.directory("rfc2136.env")
        try AtomicFile.write(
            Array(
                """
                RFC2136_NAMESERVER=127.0.0.1:\(port)
                RFC2136_TSIG_KEY=dokuen.
                RFC2136_TSIG_SECRET=\(secret)
                RFC2136_TSIG_ALGORITHM=hmac-sha256.
                RFC2136_SEQUENCE_INTERVAL=1

                """.utf8), to: secrets, mode: 0o600)
        let harness = try NginxHarness(
            label: "acme-rfc2136",
            options: [
                "--base-domain", Self.base, "--acme-email", "admin@example.com", "--acme-directory",
                pebble.directoryURL, "--acme-ca-certificates", pebble.caFile, "--acme-dns", "rfc2136:" + secrets,
                "--acme-dns-resolver", "127.0.0.1:\(port)",
            ])
        defer { harness.stop() }
        try pebble.start(httpPort: harness.port, dnsServer: "127.0.0.1:\(port)")
        let daemon = harness.daemon
        for app in ["acme4", "acme7"] { #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0)) }

        let started = Date()
        let issued = try daemon.dokuen(["certs", "auto", "--wildcard"], deadlineSeconds: 180)
        #expect(issued.status == .exited(0), "\(issued.standardError)")
        print("AcmeTests: the wildcard took \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let wildcard = try JSONDecoder().decode(
            CertificateInfo.self, from: Data(try daemon.dokuen(["certs", "info", "--wildcard", "--json"]).stdout))
        #expect(wildcard.installed && wildcard.automatic?.domains == ["*." + Self.base, Self.base])
        #expect(wildcard.automatic?.challenge == "dns-01")
        let root = try pebble.root()
        var serials: [String] = []
        for app in ["acme4", "acme7"] {
            var serial: String?
            try daemon.waitFor("nginx serves the wildcard for \(app)") {
                serial = try Self.servedSerial(
                    "\(app).\(Self.base)", port: harness.tlsPort, root: root, scratch: daemon.temp("w-\(app)"))
                return serial != nil
            }
            serials.append(serial ?? "")
            let info = try Self.info(daemon, app)
            #expect(!info.installed && info.served && info.wildcard, "\(info)")
        }
        #expect(serials[0] == serials[1], "one certificate for both")
        #expect(try daemon.dokuen(["events"]).standardOutput.contains("certs.issued"))
    }

    /// Bad settings stop dokuend at start with one line; `certs auto` without an account e-mail, or with a name that
    /// is no app's, is refused before lego runs, and nothing is stored.
    @Test func badInputIsRefusedBeforeAnythingRuns() throws {
        let scratch = try TemporaryDirectory("acme-bad")
        defer { scratch.remove() }
        let refusals: [([String], String)] = [
            (["--acme-email", "a b@example.com"], "invalid --acme-email \"a b@example.com\": it contains a space"),
            (["--acme-email", "admin@example.com\nx"], "invalid --acme-email"),
            (
                ["--acme-directory", "http://ca.example.com/dir"],
                "plain http:// is for a CA on this machine's loopback"
            ),
            (["--acme-directory", "https://ca.example.com/$(reboot)"], "its path contains"),
            (["--acme-dns", "exec:relative/hook"], "it takes an absolute path"),
            (["--acme-dns", "exec:/nonexistent/hook"], "it is not there"),
            (["--acme-dns", "shell:rm -rf /"], "it takes rfc2136:FILE or exec:HOOK"),
        ]
        for (options, message) in refusals {
            let result = try runProgram(
                builtProductsDirectory() + "/dokuend", ["--root", scratch("root"), "--nginx", "off"] + options,
                environment: ["PATH": "/usr/bin:/bin", "HOME": scratch.path], deadlineSeconds: 20)
            #expect(result.status == .exited(64), "\(options): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(options): \(result.standardError)")
            #expect(try Posix.lstat(scratch("root/dokuen.sqlite")) == nil, "nothing was made")
        }

        let daemon = try DaemonHarness(label: "acme-bad")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "acme5"]).status == .exited(0))
        let noEmail = try daemon.dokuen(["certs", "auto", "acme5"])
        #expect(
            noEmail.standardError
                == "dokuen: error: unable to turn on automatic certificates for acme5: dokuend has no account e-mail; "
                + "start it with --acme-email you@example.com\n")
        #expect(try Self.info(daemon, "acme5").automatic == nil, "nothing stored")
        #expect(try daemon.dokuen(["certs", "auto", "acme;x"]).status == .exited(64))
        #expect(try daemon.dokuen(["certs", "auto", "acme5", "--wildcard"]).status == .exited(64))
        #expect(try daemon.dokuen(["certs", "renew", "acme5"]).standardError.contains("it is not automatic"))
    }

    static func info(_ daemon: DaemonHarness, _ app: String) throws -> CertificateInfo {
        try JSONDecoder().decode(
            CertificateInfo.self, from: Data(try daemon.dokuen(["certs", "info", app, "--json"]).stdout))
    }
}
