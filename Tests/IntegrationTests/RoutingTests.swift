import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// nginx routing through a real nginx on loopback (its own prefix and configuration, including `<root>/nginx/*.conf`
/// as a user's does): deploys under continuous load fail no request, and a failed deploy leaves the old version
/// serving (docs/DESIGN.md §2 steps 5–7).
@Suite(.serialized, .timeLimit(.minutes(4))) struct RoutingTests {
    /// A web that answers with the version in its tree.
    static let app = """
        import http.server, os, time
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                # Slow on purpose (see `client`).
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(0.2)
                self.do_GET()
            def do_GET(self):
                body = open("version.txt", "rb").read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    /// A bounded client: requests through nginx one after another until the stop file appears, then prints its
    /// counts as JSON. GETs by default; with POST, each takes the app 0.2 s and nginx never retries one it has sent,
    /// so an instance stopped with one in flight shows as a failure: only leaving nginx first, then draining, passes.
    static let client = """
        import http.client, json, os, sys, time
        port, host, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        method = sys.argv[4] if len(sys.argv) > 4 else "GET"
        total = failed = non2xx = 0
        bodies = {}
        latencies = []
        deadline = time.time() + 180
        while not os.path.exists(stop) and time.time() < deadline:
            began = time.monotonic()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request(method, "/", body=b"x" if method == "POST" else None, headers={"Host": host})
                response = connection.getresponse()
                body = response.read().decode().strip()
                total += 1
                if response.status // 100 != 2:
                    non2xx += 1
                bodies[body] = bodies.get(body, 0) + 1
                connection.close()
                latencies.append(time.monotonic() - began)
            except Exception as error:
                total += 1
                failed += 1
                bodies["error: %s" % error] = bodies.get("error: %s" % error, 0) + 1
        latencies.sort()
        def percentile(p):
            return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1) if latencies else 0
        print(json.dumps({"total": total, "failed": failed, "non2xx": non2xx, "bodies": bodies,
                          "p50_ms": percentile(0.5), "p90_ms": percentile(0.9), "p99_ms": percentile(0.99),
                          "max_ms": percentile(1.0)}))
        """

    struct Load: Decodable {
        let total: Int
        let failed: Int
        let non2xx: Int
        let bodies: [String: Int]
        let p50_ms: Double
        let p90_ms: Double
        let p99_ms: Double
        let max_ms: Double
    }

    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func deploysUnderLoadFailNoRequest() throws {
        let harness = try NginxHarness(
            label: "routing", options: ["--drain-milliseconds", "500", "--client-max-body-size", "1m"],
            explicitReload: true)
        defer { harness.stop() }
        let daemon = harness.daemon
        let port = harness.port

        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        func deploy(_ version: String, procfile: String = "web: exec python3 app.py\n") throws -> ProgramResult {
            if (try Posix.lstat(daemon.temp("app"))) == nil { try Posix.mkdir(daemon.temp("app")) }
            try AtomicFile.write(Array(procfile.utf8), to: daemon.temp("app/Procfile"))
            try AtomicFile.write(Array(Self.app.utf8), to: daemon.temp("app/app.py"))
            try AtomicFile.write(Array((version + "\n").utf8), to: daemon.temp("app/version.txt"))
            return try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        }
        func get() throws -> String {
            try runProgram(
                "/usr/bin/curl", ["-sS", "--max-time", "10", "-H", "Host: blog.localhost", "http://127.0.0.1:\(port)/"]
            ).standardOutput
        }
        let first = try deploy("v-one")
        #expect(first.status == .exited(0), "\(first.standardOutput)\(first.standardError)")
        #expect(first.standardOutput.contains("-----> Routing blog to v1"))
        let rendered = String(decoding: try Posix.readFile(daemon.root + "/nginx/blog.conf"), as: UTF8.self)
        #expect(rendered.contains("    client_max_body_size 1m;\n"), "\(rendered)")
        try daemon.waitFor("nginx routes blog") { try get() == "v-one\n" }

        // A custom domain routes too; nothing a user types reaches the config unchecked.
        #expect(try daemon.dokuen(["domains", "add", "blog", "WWW.Blog.example"]).status == .exited(0))
        try daemon.waitFor("nginx routes www.blog.example") {
            try runProgram(
                "/usr/bin/curl", ["-sS", "-H", "Host: www.blog.example", "http://127.0.0.1:\(port)/"]
            ).standardOutput == "v-one\n"
        }
        let routes = try Posix.readFile(daemon.root + "/nginx/blog.conf")
        for attempt in ["a;b.example", "a{b}.example", "a b.example", "$host.example", "a\"b.example", "é.example"] {
            let refused = try daemon.dokuen(["domains", "add", "blog", attempt])
            #expect(refused.status == .exited(1), "\(attempt)")
            #expect(refused.standardError.hasPrefix("dokuen: error: invalid hostname"), "\(refused.standardError)")
        }
        #expect(try Posix.readFile(daemon.root + "/nginx/blog.conf") == routes, "the config is unchanged")
        #expect(try daemon.dokuen(["domains", "blog"]).standardOutput == "www.blog.example\n")

        let stop = daemon.temp("stop-load")
        let load = try BackgroundProgram(
            "/usr/bin/python3", ["-c", Self.client, String(port), "blog.localhost", stop],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { load.stop() }
        let slow = try BackgroundProgram(
            "/usr/bin/python3", ["-c", Self.client, String(port), "blog.localhost", stop, "POST"],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { slow.stop() }
        try daemon.waitFor("the load started") { try get() == "v-one\n" }
        // 10 deploys, each with a new body: after each returns, only the new version answers.
        for number in 2...11 {
            let deployed = try deploy("v-\(number)")
            #expect(deployed.status == .exited(0), "\(deployed.standardError)")
            #expect(try get() == "v-\(number)\n", "once deploy returns, the new version serves")
        }
        // A deploy that fails leaves v-11 serving.
        let failed = try deploy("v-broken", procfile: "web: echo broken >&2; exit 3\n")
        #expect(failed.status == .exited(1))
        #expect(try get() == "v-11\n")
        // A config change and scaling web 1 → 4 → 1, all under the same load.
        #expect(try daemon.dokuen(["config", "set", "blog", "GREETING=hi"]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=4"]).status == .exited(0))
        do {
            try daemon.waitUntil("4 web RUNNING") {
                $0.filter { $0.type == "web" && $0.state == "RUNNING" }.count == 4
            }
        } catch {
            Issue.record("\(error); dokuend said: \(daemon.daemon.standardError.suffix(3000))")
            throw error
        }
        try daemon.waitFor("nginx routes to 4 instances") {
            String(decoding: try Posix.readFile(daemon.root + "/nginx/blog.conf"), as: UTF8.self)
                .components(separatedBy: "server 127.0.0.1:").count == 5
        }
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=1"]).status == .exited(0))
        // Stopping three instances under load may take a while (each drains its requests): up to a minute.
        var scaledDown = false
        for _ in 0..<3 where !scaledDown {
            scaledDown = (try? daemon.waitUntil("1 web left") { $0.filter { $0.type == "web" }.count == 1 }) != nil
        }
        let statusText = try daemon.dokuen(["status"]).standardOutput
        #expect(scaledDown, "\(statusText)")
        #expect(try get() == "v-11\n")

        try AtomicFile.write([], to: stop)
        for (label, client) in [("GET", load), ("slow POST", slow)] {
            let ended = try client.wait(milliseconds: 60_000)
            #expect(ended == .exited(0), "\(client.standardError)")
            let counts = try JSONDecoder().decode(Load.self, from: Data(client.standardOutput.utf8))
            print(
                "routing under load, \(label): \(counts.total) requests, \(counts.failed) failed, "
                    + "\(counts.non2xx) non-2xx, p50 \(counts.p50_ms) ms, p90 \(counts.p90_ms) ms, "
                    + "p99 \(counts.p99_ms) ms, max \(counts.max_ms) ms, \(counts.bodies)")
            #expect(counts.total > 20, "the load ran: \(counts)")
            #expect(counts.failed == 0 && counts.non2xx == 0, "no request failed: \(label) \(counts)")
        }

        // An app with no web process routes the same before and after its deploy: the cutover leaves its file as
        // it is, and neither says "Routing" nor waits the drain (docs/DESIGN.md §2, step 7).
        #expect(try daemon.dokuen(["apps", "create", "jobs"]).status == .exited(0))
        let jobs = daemon.temp("jobs")
        try Posix.mkdir(jobs)
        try AtomicFile.write(Array("worker: exec sleep 1000\n".utf8), to: jobs + "/Procfile")
        for release in ["v1", "v2"] {
            let worker = try daemon.dokuen(["deploy", "jobs", jobs])
            #expect(worker.status == .exited(0), "\(worker.standardOutput)\(worker.standardError)")
            #expect(worker.standardOutput.contains("Starting \(release)"), "\(worker.standardOutput)")
            #expect(!worker.standardOutput.contains("Routing jobs"), "\(worker.standardOutput)")
        }
        #expect(try daemon.dokuen(["apps", "destroy", "jobs", "--confirm", "jobs"]).status == .exited(0))
    }
}
