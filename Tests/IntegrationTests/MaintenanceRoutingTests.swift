import DokuenPosix
import TestSupport
import Testing

/// `dokuen maintenance`, through a real nginx on loopback: 503 with the build's own page while the app keeps
/// running (same pid, `dokuen run` works), then 200 again after `off`.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MaintenanceRoutingTests {
    static let app = """
        import http.server, os
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"rtmaint is up\\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func maintenanceAnswers503WithTheAppsPageAndRestartsNothing() throws {
        let harness = try NginxHarness(label: "rt-maint")
        defer { harness.stop() }
        let daemon = harness.daemon
        #expect(try daemon.dokuen(["apps", "create", "rtmaint"]).status == .exited(0))
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.app.utf8), to: daemon.temp("app/app.py"))
        try AtomicFile.write(Array("<p>back soon</p>\n".utf8), to: daemon.temp("app/maintenance.html"))
        let deployed = try daemon.dokuen(["deploy", "rtmaint", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        func answer() throws -> String {
            let result = try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "--max-time", "10", "-w", "%{http_code} ", "-H", "Host: rtmaint.localhost",
                    "http://127.0.0.1:\(harness.port)/any/path",
                ])
            return result.standardOutput
        }
        try daemon.waitFor("nginx routes rtmaint") { try answer() == "rtmaint is up\n200 " }
        let pid = try daemon.dokuen(["pid", "rtmaint:web.1"]).standardOutput
        #expect(Int(pid.dropLast()) != nil, "\(pid)")
        #expect(try daemon.dokuen(["maintenance", "rtmaint"]).standardOutput == "rtmaint is not in maintenance\n")

        let on = try daemon.dokuen(["maintenance", "on", "rtmaint"])
        #expect(on.status == .exited(0), "\(on.standardError)")
        #expect(on.standardOutput == "rtmaint is in maintenance: nginx answers 503 with maintenance.html\n")
        var last = ""
        try daemon.waitFor("nginx answers 503") {
            last = try answer()
            return last == "<p>back soon</p>\n503 "
        }
        #expect(last == "<p>back soon</p>\n503 ")
        let json = try daemon.dokuen(["maintenance", "rtmaint", "--json"]).standardOutput
        #expect(json.contains("\"on\" : true") || json.contains("\"on\":true"), "\(json)")
        let again = try daemon.dokuen(["maintenance", "on", "rtmaint"])
        #expect(again.standardOutput.hasPrefix("No change: rtmaint is in maintenance"), "\(again.standardOutput)")
        // The page itself is not a URL of the app. (Awaited: an old worker may answer for a moment after a reload.)
        try daemon.waitFor("/maintenance.html answers 503") {
            try runProgram(
                "/usr/bin/curl",
                [
                    "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: rtmaint.localhost",
                    "http://127.0.0.1:\(harness.port)/maintenance.html",
                ]
            ).standardOutput == "503"
        }
        let run = try daemon.dokuen(["run", "rtmaint", "--", "sh", "-c", "echo ran"])
        #expect(run.standardOutput.contains("ran"), "\(run.standardOutput)\(run.standardError)")

        #expect(
            try daemon.dokuen(["maintenance", "off", "rtmaint"]).standardOutput == "rtmaint is not in maintenance\n")
        try daemon.waitFor("nginx routes rtmaint again") { try answer() == "rtmaint is up\n200 " }
        #expect(try daemon.dokuen(["pid", "rtmaint:web.1"]).standardOutput == pid, "no process restarted")
        let events = try daemon.dokuen(["events", "rtmaint"]).standardOutput
        #expect(events.contains("maintenance.on") && events.contains("maintenance.off"), "\(events)")

    }
}
