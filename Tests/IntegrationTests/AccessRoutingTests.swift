import DokuenPosix
import TestSupport
import Testing

/// `dokuen access`, through a real nginx on loopback: addresses allowed and denied (the client's address from
/// X-Forwarded-For, since 127.0.0.1 is a trusted proxy), basic auth (401 without, 200 with the password), and bad
/// input refused before it reaches nginx.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AccessRoutingTests {
    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func rulesAndBasicAuthAreEnforcedByNginx() throws {
        let harness = try NginxHarness(
            label: "rt-access", options: ["--trusted-proxy", "127.0.0.1", "--nginx-group", "nogroup"])
        defer { harness.stop() }
        let daemon = harness.daemon
        #expect(try daemon.dokuen(["apps", "create", "rtpriv"]).status == .exited(0))
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(MaintenanceRoutingTests.app.utf8), to: daemon.temp("app/app.py"))
        let deployed = try daemon.dokuen(["deploy", "rtpriv", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        /// The status nginx answers for a client at `client` (X-Forwarded-For), with `user` as basic auth.
        func status(from client: String? = nil, user: String? = nil) throws -> String {
            var arguments = ["-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"]
            arguments += ["-H", "Host: rtpriv.localhost"]
            if let client { arguments += ["-H", "X-Forwarded-For: \(client)"] }
            if let user { arguments += ["-u", user] }
            return try runProgram("/usr/bin/curl", arguments + ["http://127.0.0.1:\(harness.port)/"]).standardOutput
        }
        try daemon.waitFor("nginx routes rtpriv") { try status() == "200" }

        // An allow list: only those networks, every other address 403.
        let allowed = try daemon.dokuen(["access", "allow", "rtpriv", "10.1.0.0/16", "FD00::/8"])
        #expect(allowed.status == .exited(0), "\(allowed.standardError)")
        #expect(allowed.standardOutput == "allow 10.1.0.0/16\nallow fd00:0:0:0:0:0:0:0/8\ndeny  all others\n")
        try daemon.waitFor("nginx denies others") { try status(from: "10.9.9.9") == "403" }
        try daemon.waitFor("10.1.2.3 gets in") { try status(from: "10.1.2.3") == "200" }
        // The proxy itself is no client of the allow list.
        try daemon.waitFor("127.0.0.1 is denied") { try status() == "403" }
        // A deny inside the allowed network comes first.
        #expect(try daemon.dokuen(["access", "deny", "rtpriv", "10.1.2.3"]).status == .exited(0))
        try daemon.waitFor("nginx denies 10.1.2.3") { try status(from: "10.1.2.3") == "403" }
        try daemon.waitFor("10.1.2.4 gets in") { try status(from: "10.1.2.4") == "200" }
        #expect(try daemon.dokuen(["access", "clear", "rtpriv"]).standardOutput == "rtpriv is open to all\n")
        try daemon.waitFor("nginx lets anyone in") { try status(from: "10.9.9.9") == "200" }

        // Basic auth, the password on standard input.
        let added = try runProgram(
            daemon.bin + "/dokuen", ["access", "basic-auth", "rtpriv", "alice", "--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path], stdin: Array("s3cret pass\n".utf8))
        #expect(added.status == .exited(0), "\(added.standardError)")
        #expect(added.standardOutput == "basic-auth alice\n")
        try daemon.waitFor("nginx asks for a password") { try status() == "401" }
        try daemon.waitFor("alice gets in") { try status(user: "alice:s3cret pass") == "200" }
        try daemon.waitFor("a wrong password is refused") { try status(user: "alice:wrong") == "401" }
        let file = try #require(try Ownership.owner(daemon.root + "/apps/rtpriv/htpasswd"))
        #expect(file.mode == 0o640 && file.gid == UserEntry.groupID("nogroup"))
        let shown = try daemon.dokuen(["access", "rtpriv", "--json"]).standardOutput
        #expect(shown.contains("alice") && !shown.contains("$6$"), "\(shown)")

        // Bad input: refused with one line, and nothing reaches nginx.
        func files() throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for name in try Posix.listDirectory(daemon.root + "/nginx") {
                files[name] = try Posix.readFile(daemon.root + "/nginx/" + name)
            }
            return files
        }
        let before = try files()
        for cidr in ["10.0.0.0/33", "10.0.0.1/8", "all", "10.0.0.0/8;", "1.2.3.4 5.6.7.8", "::1/129", "http://[::1"] {
            let refused = try daemon.dokuen(["access", "allow", "rtpriv", cidr])
            #expect(refused.status == .exited(1), "\(cidr)")
            #expect(refused.standardError.hasPrefix("dokuen: error: invalid address"), "\(refused.standardError)")
        }
        for user in ["a:b", "a b", "a\"b", ""] {
            let refused = try runProgram(
                daemon.bin + "/dokuen", ["access", "basic-auth", "rtpriv", user, "--root", daemon.root],
                environment: ["PATH": "/usr/bin:/bin"], stdin: Array("x\n".utf8))
            #expect(refused.status == .exited(64), "\(user): \(refused.standardError)")
            #expect(refused.standardError.contains("invalid user name"), "\(refused.standardError)")
        }
        #expect(try files() == before, "no refused rule reaches nginx")
    }

    /// dokuend refuses a bad --trusted-proxy or --nginx-group at start, routing on or off, with one line.
    @Test(arguments: [
        (
            ["--trusted-proxy", "10.0.0.0/8;"],
            "invalid --trusted-proxy: invalid address \"10.0.0.0/8;\": it contains ';'"
        ),
        (
            ["--trusted-proxy", "1.2.3.4/24"],
            "invalid --trusted-proxy: invalid address \"1.2.3.4/24\": it has host bits"
        ),
        (["--nginx-group", "rt-no-such-group"], "invalid --nginx-group \"rt-no-such-group\": there is no such group"),
    ])
    func dokuendRefusesBadRoutingOptions(_ options: [String], _ message: String) throws {
        let temp = try TemporaryDirectory("rt-options")
        defer { temp.remove() }
        let result = try runProgram(
            builtProductsDirectory() + "/dokuend", ["--root", temp("root"), "--nginx", "off"] + options,
            deadlineSeconds: 20)
        #expect(result.status == .exited(64), "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(try Posix.lstat(temp("root")) == nil, "nothing was created")
    }
}
