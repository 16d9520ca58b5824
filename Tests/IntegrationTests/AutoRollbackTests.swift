import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Auto-rollback through the real dokuend and shims (docs/DESIGN.md §2, Auto-rollback): with
/// `checks set APP auto_rollback=30`, a release whose web exits 1 twenty seconds after its cutover (and at once on
/// every restart, so it crash-loops) is rolled back to the release before it, code and config, with events that
/// say why, also when dokuend was restarted inside the window; with it off, nothing rolls back.
@Suite(.serialized, .timeLimit(.minutes(4))) struct AutoRollbackTests {
    static let app = "aj-undo"

    /// Serves the build directory for 20 s, then exits 1 and leaves a mark, after which it exits 1 at once.
    static let crashing = """
        import http.server, os, threading
        mark = os.path.join(os.environ["DOKUEN_DATA_DIR"], "died")
        if os.path.exists(mark):
            os._exit(1)
        def die():
            open(mark, "w").close()
            os._exit(1)
        threading.Timer(20, die).start()
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Quiet).serve_forever()
        """

    func write(_ daemon: DaemonHarness, version: String, crashes: Bool) throws {
        let procfile =
            crashes
            ? "web: exec python3 crash.py\n" : "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n"
        try AtomicFile.write(Array(procfile.utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.crashing.utf8), to: daemon.temp("app/crash.py"))
        try AtomicFile.write(Array(version.utf8), to: daemon.temp("app/version.txt"))
    }

    /// Waits up to `seconds` for `condition`, through `waitUntil`'s 20 s rounds.
    @discardableResult
    func awaitLong(_ daemon: DaemonHarness, _ what: String, seconds: Int, _ condition: ([InstanceStatus]) -> Bool)
        throws
        -> [InstanceStatus]
    {
        for _ in 1..<(seconds / 20) {
            if let statuses = try? daemon.waitUntil(what, condition) { return statuses }
        }
        return try daemon.waitUntil(what, condition)
    }

    func version(port: Int) throws -> String {
        let answer = try LoopbackProbe.exchange(
            port: port, request: Array("GET /version.txt HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8),
            milliseconds: 5_000)
        let text = String(decoding: answer, as: UTF8.self)
        return String(text[(text.range(of: "\r\n\r\n")?.upperBound ?? text.endIndex)...])
    }

    @Test func aCrashLoopingReleaseIsRolledBackWithinTheWindowOnlyWhenOn() throws {
        let daemon = try DaemonHarness(label: "aj-autorollback")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))
        let set = try daemon.dokuen(["checks", "set", Self.app, "auto_rollback=30"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let bad = try daemon.dokuen(["checks", "set", Self.app, "auto_rollback=soon"])
        #expect(bad.status == .exited(1))
        #expect(
            bad.standardError.contains(
                #"invalid setting "auto_rollback=soon": auto_rollback takes whole seconds from 0 (off) to 3600"#),
            "\(bad.standardError)")
        #expect(
            try daemon.dokuen(["checks", "report", Self.app]).standardOutput.contains(
                "  auto-rollback: a release whose instances crash-loop or fail liveness within 30 s of its cutover "
                    + "is rolled back to the one before\n"))

        try write(daemon, version: "one", crashes: false)
        #expect(try daemon.dokuen(["deploy", Self.app, daemon.temp("app")]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "set", "--no-restart", Self.app, "COLOR=blue"]).status == .exited(0))
        try write(daemon, version: "two", crashes: true)
        let second = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(second.status == .exited(0), "\(second.standardOutput)\(second.standardError)")
        let v2 = try daemon.waitUntil("web.1@v2 RUNNING") {
            $0.contains { $0.release == "v2" && $0.type == "web" && $0.state == "RUNNING" }
        }
        #expect(try version(port: try #require(v2.first { $0.release == "v2" }?.port)) == "two")
        // dokuend killed and started again inside the window: the window is in the store (the deploy's end), not only
        // in the memory of the dokuend that made the cutover.
        try daemon.restart()

        // Twenty seconds on, v2's web exits and then crash-loops: v3, a rollback to v1, serves v1's code and config.
        let rolled = try awaitLong(daemon, "web.1@v3 RUNNING", seconds: 80) {
            statuses in
            statuses.contains { $0.release == "v3" && $0.type == "web" && $0.state == "RUNNING" }
                && !statuses.contains { $0.release == "v2" && $0.shimPID != nil }
        }
        #expect(try version(port: try #require(rolled.first { $0.release == "v3" }?.port)) == "one")
        #expect(try daemon.dokuen(["config", "get", Self.app, "COLOR"]).status == .exited(1))
        var events = try daemon.dokuen(["events", Self.app]).standardOutput
        #expect(
            events.contains("release.auto_rollback  v2: web.1 is BACKOFF")
                || events.contains("release.auto_rollback  v2: web.1 is FATAL"), "\(events)")
        #expect(events.contains("after its cutover (auto_rollback=30); rolling back to v1"), "\(events)")
        try daemon.waitFor("the rollback's last event") {
            try daemon.dokuen(["events", Self.app]).standardOutput.contains("v2 rolled back to v1 as v3")
        }
        #expect(try daemon.dokuen(["releases", Self.app]).standardOutput.contains("Rollback to v1"))

        // Off: the same crash-looping code is left as it is.
        #expect(try daemon.dokuen(["checks", "set", Self.app, "auto_rollback=0"]).status == .exited(0))
        try Posix.unlink(daemon.root + "/apps/\(Self.app)/data/died")
        #expect(try daemon.dokuen(["deploy", Self.app, daemon.temp("app")]).status == .exited(0))
        try awaitLong(daemon, "web.1@v4 crash-looping", seconds: 80) { statuses in
            statuses.contains {
                $0.release == "v4" && $0.type == "web" && ($0.state == "BACKOFF" || $0.state == "FATAL")
            }
        }
        // The monitor looks at each announced change (the crash loop's shim events); three more seconds of them.
        let until = Date().addingTimeInterval(3)
        var generation = try daemon.changes(after: -1, waitMilliseconds: 0)
        while Date() < until {
            generation = try daemon.changes(
                after: generation, waitMilliseconds: max(1, Int(until.timeIntervalSinceNow * 1000)))
        }
        events = try daemon.dokuen(["events", Self.app]).standardOutput
        #expect(!events.contains("v4: web.1"), "\(events)")
        let statuses = try daemon.statuses().filter { $0.app == Self.app && $0.shimPID != nil }
        #expect(statuses.allSatisfy { $0.release == "v4" }, "\(statuses)")
    }
}
