import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen restart` behind a real nginx (docs/DESIGN.md §2, Restarts): with web=2 under load (GETs and slow POSTs,
/// as `RoutingTests`), a rolling restart fails no request and returns once the new instances serve; one whose new
/// instances do not start exits 1 and leaves the old ones serving; `--in-place` stops then starts, as before (its
/// failures are printed, not asserted).
@Suite(.serialized, .timeLimit(.minutes(4))) struct RestartTests {
    /// RoutingTests' web, which refuses to start while `$DOKUEN_DATA_DIR/broken` exists.
    static let app =
        """
        import os, sys
        if os.path.exists(os.path.join(os.environ["DOKUEN_DATA_DIR"], "broken")):
            print("broken on purpose", file=sys.stderr)
            sys.exit(3)

        """ + RoutingTests.app

    @Test(.enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"))
    func rollingRestartUnderLoadFailsNoRequest() throws {
        let harness = try NginxHarness(label: "restart", options: ["--drain-milliseconds", "500"])
        defer { harness.stop() }
        let daemon = harness.daemon
        let port = harness.port

        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=2"]).status == .exited(0))
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.app.utf8), to: daemon.temp("app/app.py"))
        try AtomicFile.write(Array("v-one\n".utf8), to: daemon.temp("app/version.txt"))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        func get() throws -> String { try harness.get("blog.localhost").standardOutput }
        func web() throws -> [InstanceStatus] { try daemon.statuses().filter { $0.app == "blog" && $0.type == "web" } }
        try daemon.waitFor("nginx routes blog") { try get() == "v-one\n" }
        try daemon.waitFor("nginx routes to both web instances") {
            String(decoding: try Posix.readFile(daemon.root + "/nginx/blog.conf"), as: UTF8.self)
                .components(separatedBy: "server 127.0.0.1:").count == 3
        }

        /// GETs and slow POSTs through nginx until `stop` appears; then their counts.
        func underLoad(_ label: String, _ body: () throws -> Void) throws -> [(String, RoutingTests.Load)] {
            let stop = daemon.temp("stop-\(label)")
            let clients = try ["GET", "POST"].map { method in
                (
                    method,
                    try BackgroundProgram(
                        "/usr/bin/python3", ["-c", RoutingTests.client, String(port), "blog.localhost", stop, method],
                        environment: ["PATH": "/usr/bin:/bin"])
                )
            }
            defer { for (_, client) in clients { client.stop() } }
            try daemon.waitFor("the load started") { try get() == "v-one\n" }
            try body()
            try AtomicFile.write([], to: stop)
            return try clients.map { method, client in
                let ended = try client.wait(milliseconds: 60_000)
                #expect(ended == .exited(0), "\(client.standardError)")
                let counts = try JSONDecoder().decode(RoutingTests.Load.self, from: Data(client.standardOutput.utf8))
                print(
                    "restart under load, \(label), \(method): \(counts.total) requests, \(counts.failed) failed, "
                        + "\(counts.non2xx) non-2xx, p50 \(counts.p50_ms) ms, max \(counts.max_ms) ms, \(counts.bodies)"
                )
                return (method, counts)
            }
        }

        // Rolling: the new instances are ready and routed before the old ones leave nginx, drain and stop.
        let before = try web()
        #expect(before.count == 2 && before.allSatisfy { $0.state == "RUNNING" && $0.release == "v1" })
        var restart: ProgramResult?
        let rolling = try underLoad("rolling") { restart = try daemon.dokuen(["restart", "blog"]) }
        let restarted = try #require(restart)
        #expect(restarted.status == .exited(0), "\(restarted.standardOutput)\(restarted.standardError)")
        #expect(restarted.standardOutput.contains("Restarting blog:web.1 … ready\n"), "\(restarted.standardOutput)")
        #expect(restarted.standardOutput.contains("Restarting blog:web.2 … ready\n"), "\(restarted.standardOutput)")
        let after = try web()
        #expect(after.count == 2, "once restart returns the old instances are gone: \(after)")
        #expect(after.allSatisfy { $0.state == "RUNNING" && $0.release == "v2" }, "\(after)")
        #expect(Set(after.compactMap(\.pid)).isDisjoint(with: before.compactMap(\.pid)), "new processes")
        for (method, counts) in rolling {
            #expect(counts.total > 5, "the load ran: \(counts)")
            #expect(counts.failed == 0 && counts.non2xx == 0, "no request failed: \(method) \(counts)")
        }

        // A restart whose new instances do not start exits 1, and the instances before it keep serving.
        try Posix.mkdir(daemon.root + "/apps/blog/data", existingOK: true)
        try AtomicFile.write([], to: daemon.root + "/apps/blog/data/broken")
        let broken = try daemon.dokuen(["restart", "blog:web"])
        #expect(broken.status == .exited(1), "\(broken.standardOutput)\(broken.standardError)")
        #expect(broken.standardError.hasPrefix("dokuen: error: unable to restart blog: "), "\(broken.standardError)")
        #expect(broken.standardError.contains("the instances before it keep serving"), "\(broken.standardError)")
        let serving = try daemon.waitUntil("only v2 left") { statuses in
            statuses.filter { $0.app == "blog" }.allSatisfy { $0.release == "v2" }
        }
        #expect(serving.filter { $0.type == "web" && $0.state == "RUNNING" }.map(\.pid) == after.map(\.pid))
        #expect(try get() == "v-one\n")
        try Posix.unlink(daemon.root + "/apps/blog/data/broken")

        // In place, as before rolling restarts: it may drop requests; the counts are only printed.
        let inPlace = try underLoad("in place") {
            let result = try daemon.dokuen(["restart", "--in-place", "blog"])
            #expect(result.status == .exited(0), "\(result.standardOutput)\(result.standardError)")
            // One line per slot as it is ready again, in whichever order they are.
            #expect(
                Set(result.standardOutput.split(separator: "\n"))
                    == ["Restarting blog:web.1 … ready", "Restarting blog:web.2 … ready"], "\(result.standardOutput)")
        }
        #expect(inPlace.allSatisfy { $0.1.total > 0 })
        let last = try web()
        #expect(last.allSatisfy { $0.release == "v2" }, "an in-place restart makes no release: \(last)")
        #expect(Set(last.compactMap(\.pid)).isDisjoint(with: after.compactMap(\.pid)), "new processes")
    }
}
