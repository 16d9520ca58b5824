import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Releases, rollback and pruning through the real dokuend (docs/DESIGN.md §2: builds and releases).
@Suite(.serialized, .timeLimit(.minutes(3))) struct ReleaseTests {
    /// A web that answers with its code's version and the GREETING of its env.
    static let app = """
        import http.server, os
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = (open("version.txt").read().strip() + " " + os.environ.get("GREETING", "-") + "\\n").encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
        """

    func write(_ daemon: DaemonHarness, version: String) throws {
        if (try Posix.lstat(daemon.temp("app"))) == nil { try Posix.mkdir(daemon.temp("app")) }
        try AtomicFile.write(Array("web: exec python3 app.py\n".utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array(Self.app.utf8), to: daemon.temp("app/app.py"))
        try AtomicFile.write(Array((version + "\n").utf8), to: daemon.temp("app/version.txt"))
    }

    func deploy(_ daemon: DaemonHarness, version: String) throws {
        try write(daemon, version: version)
        let result = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(result.status == .exited(0), "\(result.standardError)")
    }

    func releases(_ daemon: DaemonHarness) throws -> [ReleaseEntry] {
        try JSONDecoder().decode(
            [ReleaseEntry].self, from: Data(try daemon.dokuen(["releases", "blog", "--json"]).stdout))
    }

    /// What the web answers now.
    func page(_ daemon: DaemonHarness) throws -> String {
        let statuses = try JSONDecoder().decode(
            [InstanceStatus].self, from: Data(try daemon.dokuen(["status", "blog:web", "--json"]).stdout))
        let port = try #require(statuses.first { $0.state == "RUNNING" }?.port)
        let result = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request,sys; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                "http://127.0.0.1:\(port)/",
            ])
        return result.standardOutput
    }

    @Test func rollbackServesTheOldCodeWithItsOldConfig() throws {
        let daemon = try DaemonHarness(label: "rollback")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(
            try daemon.dokuen(["rollback", "blog"]).standardError.hasPrefix(
                "dokuen: error: unable to roll back blog: it has no release yet"))
        #expect(try daemon.dokuen(["config", "set", "blog", "GREETING=hello"]).status == .exited(0))
        try deploy(daemon, version: "one")
        #expect(try page(daemon) == "one hello\n")
        #expect(try daemon.dokuen(["config", "set", "blog", "GREETING=bye", "EXTRA=1"]).status == .exited(0))
        try deploy(daemon, version: "two")
        #expect(try page(daemon) == "two bye\n")
        #expect(try releases(daemon).map(\.version) == ["v3", "v2", "v1"])

        let back = try daemon.dokuen(["rollback", "blog", "v1"])
        #expect(back.standardOutput == "Rolled back blog to v1: release v4 is up\n", "\(back.standardError)")
        #expect(try page(daemon) == "one hello\n", "v1's code with v1's env")
        #expect(try daemon.dokuen(["config", "get", "blog", "GREETING"]).standardOutput == "hello\n")
        #expect(try daemon.dokuen(["config", "get", "blog", "EXTRA"]).status == .exited(1), "the config is v1's")
        let listed = try releases(daemon)
        #expect(listed.map(\.version) == ["v4", "v3", "v2", "v1"])
        #expect(listed.first?.current == true && listed.first?.description == "Rollback to v1")
        #expect(listed.first?.build == listed.last?.build, "no rebuild: v4 uses v1's build")
        let text = try daemon.dokuen(["releases", "blog"]).standardOutput
        #expect(text.hasPrefix("v4  ") && text.contains("Rollback to v1  (current)\n"), "\(text)")

        // Bad input changes nothing.
        for (arguments, code, message) in [
            (["rollback", "blog", "v99"], Int32(1), "dokuen: error: unable to roll back blog: it has no release v99"),
            (["rollback", "blog", "4"], 64, "dokuen: error: invalid release"),
            (["rollback", "blog", "v4"], 1, "dokuen: error: unable to roll back blog: v4 is the current release"),
            (["rollback", "nope"], 1, "dokuen: error: unable to find app nope"),
        ] {
            let bad = try daemon.dokuen(arguments)
            #expect(bad.status == .exited(code), "\(arguments)")
            #expect(bad.standardError.hasPrefix(message), "\(bad.standardError)")
        }
        #expect(try releases(daemon).count == 4)
    }

    @Test func pruningKeepsTheBuildsOfKeptReleasesAndTheCache() throws {
        let daemon = try DaemonHarness(label: "prune", options: ["--keep-releases", "3"])
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        try Posix.mkdir(daemon.root + "/apps/blog", existingOK: true)
        try Posix.mkdir(daemon.root + "/apps/blog/cache", existingOK: true)
        try AtomicFile.write(Array("kept\n".utf8), to: daemon.root + "/apps/blog/cache/marker")
        for version in 1...10 { try deploy(daemon, version: "build \(version)") }
        let kept = try releases(daemon)
        #expect(kept.map(\.version) == ["v10", "v9", "v8"])
        #expect(
            Set(try Posix.listDirectory(daemon.root + "/apps/blog/releases")) == Set(kept.map(\.build)),
            "only the builds of kept releases remain")
        #expect(try Posix.readFile(daemon.root + "/apps/blog/cache/marker") == Array("kept\n".utf8))
        #expect(try page(daemon) == "build 10 -\n")
        #expect(try Posix.readlink(daemon.root + "/apps/blog/previous") == "releases/\(kept[1].build)")
    }

    /// `.profile.d/*.sh` of the build is sourced before every process, Procfile and `run` alike, with HOME the
    /// build directory (docs/DESIGN.md §5).
    @Test func profileScriptsRunBeforeEveryProcess() throws {
        let daemon = try DaemonHarness(label: "profile")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try Posix.mkdir(daemon.temp("app/.profile.d"))
        try AtomicFile.write(
            Array("export PROFILE_VAR=\"from $(basename \"$HOME\" | cut -c1-4)\"\n".utf8),
            to: daemon.temp("app/.profile.d/10-var.sh"))
        try AtomicFile.write(
            Array("worker: echo \"worker sees $PROFILE_VAR\"; exec sleep 1000\n".utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        #expect(try daemon.dokuen(["deploy", "blog", daemon.temp("app")]).status == .exited(0))
        let year = String(try Posix.readlink(daemon.root + "/apps/blog/current").dropFirst("releases/".count).prefix(4))
        let run = try daemon.dokuen(["run", "blog", "--", "sh", "-c", "echo \"run sees $PROFILE_VAR\""])
        #expect(run.standardOutput == "run sees from \(year)\n", "\(run.standardError)")
        var logged = ""
        try daemon.waitFor("the worker's first line") {
            logged = try daemon.dokuen(["tail", "-n", "1", "blog:worker.1"]).standardOutput
            return logged.contains("worker sees")
        }
        #expect(logged.hasSuffix("worker sees from \(year)\n"), "\(logged)")
    }
}
