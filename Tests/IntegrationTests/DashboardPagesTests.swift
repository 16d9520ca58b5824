import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// The dashboard's pages and actions against a real dokuend and a deployed app, through curl: every page renders
/// what dokuend says, each action (restart, stop, start, scale, maintenance, cron run, rollback) goes through the API
/// and shows in `dokuen status` and the event log, config values appear only after the reveal, escaped, and the log
/// stream carries a line holding `<script>` as JSON data (which the page adds as text).
@Suite(.serialized, .timeLimit(.minutes(4))) struct DashboardPagesTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: echo '<script>alert(1)</script> worker up'; exec sleep 100000

        """
    static let appJSON = """
        {"cron": [{"command": "echo cron ran", "schedule": "0 3 * * *"}]}
        """

    typealias Answer = DashboardTests.Answer

    @Test func pagesAndActionsGoThroughTheAPI() throws {
        let port = freeTCPPort()
        let daemon = try DaemonHarness(label: "dash-pages", options: ["--dashboard", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        let temp = daemon.temp.path
        let base = "http://127.0.0.1:\(port)"
        let app = "dashpages"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        try Posix.mkdir(daemon.temp("src"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("src/Procfile"))
        try AtomicFile.write(Array(Self.appJSON.utf8), to: daemon.temp("src/app.json"))
        let deployed = try daemon.dokuen(["deploy", app, daemon.temp("src")], deadlineSeconds: 120)
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        let scaled = try daemon.dokuen(["ps", "scale", app, "worker=1"])
        #expect(scaled.status == .exited(0), "\(scaled.standardError)")
        let configured = try daemon.dokuen(["config", "set", app, "SECRET=<b>hidden</b>"], deadlineSeconds: 120)
        #expect(configured.status == .exited(0), "\(configured.standardError)")
        try daemon.waitUntil("web.1 and worker.1 run") { statuses in
            statuses.filter { $0.app == app && $0.state == "RUNNING" && $0.release == "v2" }.count == 2
        }

        let token = String(try daemon.dokuen(["dashboard", "token"]).standardOutput.prefix { $0 != "\n" })
        let signedIn = try DashboardTests.http("POST", base + "/signin", form: "token=\(token)", in: temp)
        let cookie = String((signedIn.headers["set-cookie"] ?? "").prefix { $0 != ";" })
        func get(_ path: String) throws -> Answer {
            try DashboardTests.http("GET", base + path, headers: ["Cookie": cookie], in: temp)
        }

        // Every app at a glance, and the same cells as JSON for the refresh.
        let overview = try get("/")
        #expect(overview.status == 200)
        #expect(overview.body.contains("<td>\(app) web.1</td><td>RUNNING</td>"), "\(overview.body)")
        let csrf = try #require(DashboardTests.csrf(overview.body))
        struct Row: Decodable { var key: String }
        let rows = try JSONDecoder().decode(
            [Row].self, from: Data(try get("/status.json?app=\(app)").body.utf8))
        #expect(rows.map(\.key) == ["\(app):web.1", "\(app):worker.1"])

        // One app: releases with a rollback, config keys but not their values, the cron job.
        let page = try get("/apps/\(app)")
        #expect(page.status == 200)
        for part in ["Roll back to v1", "values hidden: SECRET", "echo cron ran", "Not in maintenance"] {
            #expect(page.body.contains(part), "\(part)")
        }
        #expect(!page.body.contains("hidden</b>") && !page.body.contains("hidden&lt;"))
        func post(_ path: String, _ form: String) throws -> Answer {
            try DashboardTests.http(
                "POST", base + path,
                headers: ["Cookie": cookie, "Origin": base, "Accept": "application/json", "X-CSRF-Token": csrf],
                form: form, in: temp)
        }
        let revealed = try DashboardTests.http(
            "POST", base + "/apps/\(app)/config/reveal", headers: ["Cookie": cookie], form: "csrf=\(csrf)", in: temp)
        #expect(revealed.body.contains("<code>&lt;b&gt;hidden&lt;/b&gt;</code>"), "\(revealed.body)")

        // Restart one instance: a new pid.
        let before = try daemon.statuses().first { $0.app == app && $0.type == "web" }
        #expect(try post("/apps/\(app)/restart", "target=web.1").status == 200)
        try daemon.waitUntil("web.1 restarted") { statuses in
            statuses.contains { $0.app == app && $0.type == "web" && $0.state == "RUNNING" && $0.pid != before?.pid }
        }
        // Stop and start the worker.
        #expect(try post("/apps/\(app)/stop", "target=worker").status == 200)
        try daemon.waitUntil("the worker stopped") { statuses in
            statuses.contains { $0.app == app && $0.type == "worker" && $0.state == "STOPPED" }
        }
        #expect(try post("/apps/\(app)/start", "target=worker").status == 200)
        try daemon.waitUntil("the worker started") { statuses in
            statuses.contains { $0.app == app && $0.type == "worker" && $0.state == "RUNNING" }
        }
        // Scale; a bad formation is refused before dokuend sees it.
        #expect(try post("/apps/\(app)/scale", "formation=web%3D2+worker%3D1").status == 200)
        try daemon.waitUntil("two web instances") { statuses in
            statuses.filter { $0.app == app && $0.type == "web" && $0.state == "RUNNING" }.count == 2
        }
        #expect(try post("/apps/\(app)/scale", "formation=web%3Dx").status == 400)
        // Maintenance on and off.
        #expect(try post("/apps/\(app)/maintenance", "on=1").status == 200)
        #expect(try daemon.dokuen(["maintenance", app]).standardOutput.contains("is in maintenance"))
        #expect(try post("/apps/\(app)/maintenance", "on=0").status == 200)
        // Run the cron job now.
        let job = try #require(page.body.firstRange(of: "/cron/").map { String(page.body[$0.upperBound...].prefix(8)) })
        let ran = try post("/apps/\(app)/cron/\(job)/run", "")
        #expect(ran.status == 200 && ran.body.contains("exited with code 0"), "\(ran.body)")
        // Roll back to v1: a new release of v1's build and config (no SECRET).
        let rolled = try post("/apps/\(app)/rollback", "release=v1")
        #expect(rolled.status == 200, "\(rolled.body)")
        #expect(try daemon.dokuen(["config", app]).standardOutput.contains("SECRET") == false)
        // dokuend's refusal comes through with its status and line.
        let unknown = try post("/apps/\(app)/rollback", "release=v99")
        #expect(unknown.status == 409, "\(unknown.status) \(unknown.body)")
        #expect(unknown.body.contains("v99") && unknown.body.contains("message"), "\(unknown.body)")

        // The event log names the dashboard, on its page too.
        let events = try get("/events")
        #expect(events.body.contains("dashboard (via "))
        #expect(events.body.contains("<td>\(app)</td><td>formation.scale</td>"), "\(events.body)")

        // The log page and its stream: the worker's `<script>` line as JSON data of an event.
        let logs = try get("/apps/\(app)/logs?type=worker")
        #expect(logs.body.contains("data-stream=\"/apps/\(app)/logs/stream?type=worker\""))
        try daemon.waitFor("the worker's line") {
            let log = (try? Posix.readFile(daemon.root + "/apps/\(app)/logs/worker.1.log")) ?? []
            return String(decoding: log, as: UTF8.self).contains("worker up")
        }
        // The stream follows for ever: curl reads what comes within 5 s (the history is sent at once), then leaves.
        let pid = daemon.daemon.child.pid
        func sockets() -> Int {
            ((try? Posix.listDirectory("/proc/\(pid)/fd")) ?? []).filter {
                (try? Posix.readlink("/proc/\(pid)/fd/\($0)"))?.hasPrefix("socket:") == true
            }.count
        }
        let socketsBefore = sockets()
        let streamed = try runProgram(
            "/usr/bin/curl",
            ["-sS", "-i", "--max-time", "5", "-H", "Cookie: \(cookie)", base + "/apps/\(app)/logs/stream?type=worker"],
            deadlineSeconds: 30)
        #expect(streamed.standardOutput.contains("data: {"), "\(streamed.standardOutput)")
        #expect(streamed.standardOutput.lowercased().contains("x-accel-buffering: no"))
        #expect(streamed.standardOutput.contains("<script>alert(1)</script> worker up"), "\(streamed.standardOutput)")
        // curl has gone: at the next heartbeat (10 s) the dashboard finds out and shuts its API connection down,
        // though the worker writes nothing more: dokuend holds no more sockets than before (the browser's, the
        // dashboard's to the API and the API's end of it are gone).
        try daemon.waitFor("the log stream's sockets closed") { sockets() <= socketsBefore }
        #expect(try get("/apps/\(app)/logs/stream?type=w.b").status == 400)
        let missing = try get("/apps/nosuchapp")
        #expect(missing.status == 404 && missing.body.contains("nosuchapp"), "\(missing.body)")
    }
}
