import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Health checks before cutover (docs/DESIGN.md §2 step 5, invariant 1) through a real dokuend, real app processes and
/// a real nginx under load: a release whose check fails never takes traffic and fails no request; a passing one
/// does; `dokuen checks` sets, runs and reports them; zero-downtime off stops the old instances first; and a web
/// that never listens on $PORT fails the deploy (R10).
@Suite(.serialized, .timeLimit(.minutes(4))) struct HealthCheckTests {
    /// Answers `/` with its version and `/health` with health.txt: 200 and `ok <version>` when it says ok, else
    /// 500. Writes `start VERSION` and, on SIGTERM, `stop VERSION` to the app's data directory, so the order of
    /// starts and stops across releases can be read afterwards.
    static let app = """
        import http.server, os, signal, sys
        version = open("version.txt").read().strip()
        journal = os.path.join(os.environ["DOKUEN_DATA_DIR"], "journal")
        def note(word):
            with open(journal, "a") as f:
                f.write("%s %s\\n" % (word, version))
        def stop(*_):
            note("stop")
            os._exit(0)
        signal.signal(signal.SIGTERM, stop)
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                if self.path == "/health":
                    healthy = open("health.txt").read().strip() == "ok"
                    body = ("ok %s\\n" % version if healthy else "sick\\n").encode()
                    self.send_response(200 if healthy else 500)
                else:
                    body = (version + "\\n").encode()
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            do_GET = answer
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.answer()
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
        note("start")
        server.serve_forever()
        """

    static let appJSON = """
        {"healthchecks": {"web": [
            {"type": "startup", "name": "ready", "path": "/health", "content": "ok", "attempts": 2, "wait": 1,
             "timeout": 2},
            {"type": "liveness", "path": "/live"}
        ]}}
        """

    /// Writes the app's tree (version, health, app.json) and deploys it.
    static func deploy(
        _ daemon: DaemonHarness, _ version: String, healthy: Bool = true, appJSON: String? = appJSON
    ) throws -> ProgramResult {
        let tree = daemon.temp("app")
        if (try Posix.lstat(tree)) == nil { try Posix.mkdir(tree) }
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: tree + "/Procfile")
        try AtomicFile.write(Array(Self.app.utf8), to: tree + "/app.py")
        try AtomicFile.write(Array((version + "\n").utf8), to: tree + "/version.txt")
        try AtomicFile.write(Array((healthy ? "ok\n" : "sick\n").utf8), to: tree + "/health.txt")
        if let appJSON {
            try AtomicFile.write(Array(appJSON.utf8), to: tree + "/app.json")
        } else if (try Posix.lstat(tree + "/app.json")) != nil {
            try Posix.unlink(tree + "/app.json")
        }
        return try daemon.dokuen(["deploy", "blog", tree])
    }

    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func aFailingCheckFailsNoRequestAndTheOldVersionServes() throws {
        let harness = try NginxHarness(label: "checks", options: ["--drain-milliseconds", "300"])
        defer { harness.stop() }
        let daemon = harness.daemon
        func get() throws -> String { try harness.get("blog.localhost").standardOutput }

        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let first = try Self.deploy(daemon, "v-one")
        #expect(first.status == .exited(0), "\(first.standardOutput)\(first.standardError)")
        #expect(first.standardOutput.contains("-----> app.json: health check GET /health → 200\n"))
        #expect(
            first.standardOutput.contains(
                "-----> app.json: web liveness: GET /live → 200 every 10 s (timeout 5 s), restart after 3 failures in a row\n"
            ), "\(first.standardOutput)")
        #expect(
            first.standardOutput.contains(
                "-----> Checking web: its port accepts, then GET /health → 200 (app.json)\n"),
            "\(first.standardOutput)")
        #expect(first.standardOutput.contains("-----> web.1: GET /health answered 200 with \"ok\"\n"))
        try daemon.waitFor("nginx routes blog") { try get() == "v-one\n" }

        let stop = daemon.temp("stop-load")
        let load = try BackgroundProgram(
            "/usr/bin/python3", ["-c", RoutingTests.client, String(harness.port), "blog.localhost", stop],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { load.stop() }
        try daemon.waitFor("the load started") { try get() == "v-one\n" }

        // A new version whose check fails: the deploy fails after its attempts, and v-one never stops serving.
        let sick = try Self.deploy(daemon, "v-sick", healthy: false)
        #expect(sick.status == .exited(1), "\(sick.standardOutput)")
        #expect(
            sick.standardOutput.contains("web.1: attempt 1 of 2: GET /health answered 500, not 200; again in 1 s"),
            "\(sick.standardOutput)")
        #expect(
            sick.standardError.contains(
                "unable to deploy blog: v2 did not come up: web.1 failed its health check: GET /health answered "
                    + "500, not 200 (2 attempts)"), "\(sick.standardError)")
        #expect(try get() == "v-one\n")
        let releases = try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "blog", "--json"]).stdout))
        #expect(releases.map(\.version) == ["v1"], "the failed deploy made no release")
        _ = try daemon.waitUntil("v2's instance is gone") { $0.allSatisfy { $0.release == "v1" } }

        // The app's own check replaces app.json's: content must name the new version.
        let set = try daemon.dokuen(["checks", "set", "blog", "path=/health", "content=ok v-two", "attempts=3"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let report = try JSONDecoder().decode(
            ChecksReport.self, from: Data(try daemon.dokuen(["checks", "blog", "--json"]).stdout))
        #expect(report.source == "dokuen checks set" && report.zeroDowntime)
        #expect(report.checks.first?["content"] == "ok v-two" && report.setKeys == ["path", "content", "attempts"])
        let wrong = try Self.deploy(daemon, "v-three")
        #expect(wrong.status == .exited(1), "ok v-three lacks the content")
        #expect(wrong.standardError.contains("answered 200 without \"ok v-two\" in its body (3 attempts)"))
        let two = try Self.deploy(daemon, "v-two")
        #expect(two.status == .exited(0), "\(two.standardOutput)\(two.standardError)")
        #expect(try get() == "v-two\n", "once the deploy returns, the new version serves")

        let run = try daemon.dokuen(["checks", "run", "blog"])
        #expect(run.status == .exited(0), "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("ok   blog:web.1 (port "))
        #expect(run.standardOutput.contains("GET /health answered 200 with \"ok v-two\""), "\(run.standardOutput)")
        #expect(try daemon.dokuen(["checks", "set", "blog", "content=nope"]).status == .exited(0))
        let failing = try daemon.dokuen(["checks", "run", "blog"])
        #expect(failing.status == .exited(1))
        #expect(failing.standardOutput.contains("FAIL blog:web.1"), "\(failing.standardOutput)")
        #expect(try daemon.dokuen(["checks", "set", "blog", "--clear"]).status == .exited(0))
        #expect(try daemon.dokuen(["checks", "set", "blog", "path=/a b"]).status == .exited(64))

        try AtomicFile.write([], to: stop)
        #expect(try load.wait(milliseconds: 60_000) == .exited(0), "\(load.standardError)")
        let counts = try JSONDecoder().decode(RoutingTests.Load.self, from: Data(load.standardOutput.utf8))
        print(
            "a failing health check under load: \(counts.total) requests, \(counts.failed) failed, "
                + "\(counts.non2xx) non-2xx, p50 \(counts.p50_ms) ms, p99 \(counts.p99_ms) ms, \(counts.bodies)")
        #expect(counts.total > 20, "the load ran: \(counts)")
        #expect(
            counts.failed == 0 && counts.non2xx == 0,
            "no request failed: \(counts); dokuend said: \(daemon.daemon.standardError.suffix(4000))")
        #expect(counts.bodies.keys.allSatisfy { ["v-one", "v-two"].contains($0) }, "\(counts.bodies)")

        // Zero-downtime off: the old instance stops before the new one starts.
        #expect(try daemon.dokuen(["checks", "disable", "blog"]).status == .exited(0))
        let four = try Self.deploy(daemon, "v-four")
        #expect(four.status == .exited(0), "\(four.standardOutput)\(four.standardError)")
        #expect(
            four.standardOutput.contains(
                "-----> Zero-downtime is off for blog (dokuen checks enable): stopping v2 first"))
        let served = try get()
        let conf = String(decoding: try Posix.readFile(daemon.root + "/nginx/blog.conf"), as: UTF8.self)
        let statusText = try daemon.dokuen(["status"]).standardOutput
        #expect(served == "v-four\n", "\(served) \(conf) \(statusText) \(four.standardOutput)")
        let journal = String(decoding: try Posix.readFile(daemon.root + "/apps/blog/data/journal"), as: UTF8.self)
        let lines = journal.split(separator: "\n").map(String.init)
        let stopTwo = try #require(lines.firstIndex(of: "stop v-two"), "\(lines)")
        let startFour = try #require(lines.firstIndex(of: "start v-four"), "\(lines)")
        #expect(stopTwo < startFour, "\(lines)")
        // With zero-downtime on, the new one starts first.
        #expect(try daemon.dokuen(["checks", "enable", "blog"]).status == .exited(0))
        #expect(try Self.deploy(daemon, "v-five").status == .exited(0))
        let after = String(decoding: try Posix.readFile(daemon.root + "/apps/blog/data/journal"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let startFive = try #require(after.firstIndex(of: "start v-five"), "\(after)")
        let stopFour = try #require(after.firstIndex(of: "stop v-four"), "\(after)")
        #expect(startFive < stopFour, "\(after)")

        // Zero-downtime off and a failing check: the new instance stops, and the old release starts again.
        #expect(try daemon.dokuen(["checks", "disable", "blog"]).status == .exited(0))
        let sickAgain = try Self.deploy(daemon, "v-sick-again", healthy: false)
        #expect(sickAgain.status == .exited(1), "\(sickAgain.standardOutput)")
        #expect(
            sickAgain.standardOutput.contains(
                "-----> Stopping the instances of v5; starting the release before it again"),
            "\(sickAgain.standardOutput)")
        try daemon.waitFor("v-five serves again") { try get() == "v-five\n" }
        let last = String(decoding: try Posix.readFile(daemon.root + "/apps/blog/data/journal"), as: UTF8.self)
            .split(separator: "\n").map(String.init).suffix(4)
        #expect(Array(last) == ["stop v-five", "start v-sick-again", "stop v-sick-again", "start v-five"], "\(last)")
        #expect(try daemon.dokuen(["releases", "blog"]).standardOutput.contains("v5") == false)
    }

    /// Heroku's R10: a web process that never listens on $PORT fails the deploy after the boot timeout.
    @Test func aWebThatNeverListensFailsTheDeploy() throws {
        let daemon = try DaemonHarness(label: "r10", options: ["--boot-timeout", "6"])
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let tree = daemon.temp("app")
        try Posix.mkdir(tree)
        try AtomicFile.write(Array("web: exec sleep 1000\n".utf8), to: tree + "/Procfile")
        let deployed = try daemon.dokuen(["deploy", "blog", tree])
        #expect(deployed.status == .exited(1))
        #expect(
            deployed.standardError.contains(
                "web.1 did not accept a connection on its port") && deployed.standardError.contains("within 6 s"),
            "\(deployed.standardError)")
        _ = try daemon.waitUntil("no instance is left") { $0.isEmpty }
        #expect(try daemon.dokuen(["releases", "blog"]).standardOutput.contains("v1") == false)
        // A worker-only app has no port to check.
        try AtomicFile.write(Array("worker: exec sleep 1000\n".utf8), to: tree + "/Procfile")
        #expect(try daemon.dokuen(["deploy", "blog", tree]).status == .exited(0))
    }
}
