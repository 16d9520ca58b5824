import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Liveness checks through the real dokuend and shims (docs/DESIGN.md §2, Liveness): a web whose liveness endpoint
/// starts failing 10 s after it starts is restarted by dokuend once it has failed `attempts` probes in a row, and not
/// before, with an event and a line in its log.
@Suite(.serialized, .timeLimit(.minutes(3))) struct LivenessTests {
    static let app = "aj-live"

    /// Answers /live with 200 for its first 10 s, then 500; everything else 200. Says when it starts.
    static let server = """
        import http.server, os, sys, time
        start = time.monotonic()
        healthy_for = float(open("healthy_for.txt").read()) if os.path.exists("healthy_for.txt") else 10
        print("serving", flush=True)
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = self.path != "/live" or time.monotonic() - start < healthy_for
                self.send_response(200 if ok else 500)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"sick")
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    /// The stamp of a log line, in milliseconds since the epoch (`2026-12-04T15:58:58.123Z `).
    static func stamp(_ line: Substring) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: String(line.prefix(24)))?.timeIntervalSince1970
    }

    @Test func aWebWhoseLivenessFailsIsRestartedAfterTheThresholdOnly() throws {
        let daemon = try DaemonHarness(label: "aj-liveness")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 live.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.server.utf8), to: daemon.temp("app/live.py"))
        try AtomicFile.write(
            Array(
                #"{"healthchecks": {"web": [{"type": "liveness", "path": "/live", "wait": 1, "attempts": 3, "timeout": 2}]}}"#
                    .utf8), to: daemon.temp("app/app.json"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        #expect(
            deployed.standardOutput.contains(
                "-----> app.json: web liveness: GET /live → 200 every 1 s (timeout 2 s), restart after 3 failures in a row\n"
            ), "\(deployed.standardOutput)")
        let report = try daemon.dokuen(["checks", "report", Self.app])
        #expect(
            report.standardOutput.contains(
                "web liveness: GET /live → 200 every 1 s (timeout 2 s), restart after 3 failures in a row"),
            "\(report.standardOutput)")

        let first = try daemon.waitUntil("web.1 RUNNING") {
            $0.contains { $0.app == Self.app && $0.type == "web" && $0.state == "RUNNING" }
        }
        let pid = try #require(first.first { $0.app == Self.app && $0.type == "web" }?.pid)
        // Healthy for 10 s, then 3 failures 1 s apart: a restart (a new process) about 12 s after its start.
        let restarted = try daemon.waitUntil("web.1 restarted by its liveness check") {
            $0.contains { $0.app == Self.app && $0.type == "web" && $0.state == "RUNNING" && $0.pid != pid }
        }
        #expect(restarted.filter { $0.app == Self.app }.count == 1)

        let log = String(
            decoding: try Posix.readFile(daemon.root + "/apps/\(Self.app)/logs/web.1.log"), as: UTF8.self)
        let lines = log.split(separator: "\n")
        let starts = lines.filter { $0.hasSuffix(" serving") }
        let restarts = lines.filter { $0.contains(" dokuend: liveness GET /live → 200 failed 3 times in a row") }
        #expect(starts.count == 2 && restarts.count == 1, "\(log)")
        let started = try #require(starts.first.flatMap(Self.stamp))
        let failed = try #require(restarts.first.flatMap(Self.stamp))
        // Only after the threshold: 10 s of answers, then three failed probes a period apart.
        #expect(failed - started >= 12, "\(log)")
        #expect(restarts.first?.hasSuffix("(last: GET /live answered 500, not 200); restarting") == true, "\(log)")
        let events = try daemon.dokuen(["events", Self.app]).standardOutput
        #expect(
            events.contains("instance.liveness  web.1@v1: liveness GET /live → 200 failed 3 times in a row"),
            "\(events)")
    }

    /// A liveness failure within the auto-rollback window rolls the release back: v2's /live fails after 10 s, its
    /// web is restarted after 3 failures, and that restart (13 s after the cutover, inside auto_rollback=60) makes
    /// v3, a rollback to v1, whose /live never fails.
    @Test func aLivenessFailureInsideTheWindowRollsBack() throws {
        let daemon = try DaemonHarness(label: "aj-liveness-undo")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 live.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.server.utf8), to: daemon.temp("app/live.py"))
        try AtomicFile.write(Array("100000".utf8), to: daemon.temp("app/healthy_for.txt"))
        try AtomicFile.write(
            Array(
                #"{"healthchecks": {"web": [{"type": "liveness", "path": "/live", "wait": 1, "attempts": 3}]}}"#.utf8),
            to: daemon.temp("app/app.json"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))
        #expect(try daemon.dokuen(["checks", "set", Self.app, "auto_rollback=60"]).status == .exited(0))
        #expect(try daemon.dokuen(["deploy", Self.app, daemon.temp("app")]).status == .exited(0))
        try AtomicFile.write(Array("10".utf8), to: daemon.temp("app/healthy_for.txt"))
        let second = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(second.status == .exited(0), "\(second.standardOutput)\(second.standardError)")
        try daemon.waitUntil("web.1@v2 RUNNING") {
            $0.contains { $0.app == Self.app && $0.release == "v2" && $0.state == "RUNNING" }
        }
        try daemon.waitUntil("web.1@v3 RUNNING, v2 gone") { statuses in
            statuses.contains { $0.app == Self.app && $0.release == "v3" && $0.state == "RUNNING" }
                && !statuses.contains { $0.app == Self.app && $0.release == "v2" && $0.shimPID != nil }
        }
        let events = try daemon.dokuen(["events", Self.app]).standardOutput
        #expect(events.contains("instance.liveness  web.1@v2: liveness GET /live → 200 failed 3 times"), "\(events)")
        #expect(
            events.contains("release.auto_rollback  v2: web.1 failed its liveness check "), "\(events)")
        #expect(events.contains("(auto_rollback=60); rolling back to v1"), "\(events)")
        #expect(try daemon.dokuen(["releases", Self.app]).standardOutput.contains("Rollback to v1"))
    }
}
