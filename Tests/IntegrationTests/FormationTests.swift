import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// The formation through the real dokuend, CLI and shims (docs/DESIGN.md §2, Formation): web alone starts at the
/// first deploy, a `ps scale` or `ps set` before it is kept for it, a one-shot type runs to EXITED without failing
/// anything, `DOKUEN_SCALE` scales when it is set, and a deploy whose instance does not start shows its log's end.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FormationTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: while true; do echo tick; sleep 1; done
        once: echo hi
        """

    /// `type.index@release STATE` of every instance with a live shim, sorted.
    static func live(_ statuses: [InstanceStatus]) -> [String] {
        statuses.filter { $0.shimPID != nil }.map { "\($0.type).\($0.index)@\($0.release) \($0.state)" }.sorted()
    }

    func app(_ daemon: DaemonHarness, procfile: String) throws {
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
    }

    @Test func webAloneStartsOneShotsExitAndEarlyScalesAreKept() throws {
        let daemon = try DaemonHarness(label: "formation")
        defer { daemon.stop() }
        try app(daemon, procfile: Self.procfile)
        // Before the first deploy: kept, even for a type the first release will not have.
        let early = try daemon.dokuen(["ps", "scale", "blog", "web=2", "ghost=1"])
        #expect(early.status == .exited(0), "\(early.standardError)")
        #expect(
            early.standardOutput
                == "Scaled blog to ghost=1 web=2\nblog has no release yet; its first deploy starts with these counts\n")
        #expect(
            try daemon.dokuen(["ps", "blog"]).standardOutput
                == "blog has no release yet; its first deploy starts with these counts\nghost=1\nweb=2\n")

        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        #expect(
            deployed.standardOutput.contains("-----> Formation: once=0 web=2 worker=0\n"), "\(deployed.standardOutput)")
        #expect(
            deployed.standardOutput.contains(
                "       once, worker: new, so 0 until scaled (dokuen ps scale blog once=1, or app.json's formation)\n"
                    + "       ghost=1 was set before the first deploy, but this release has no ghost; it goes to 0\n"),
            "\(deployed.standardOutput)")
        #expect(deployed.standardOutput.contains("-----> Starting v1: web×2\n"), "\(deployed.standardOutput)")
        try daemon.waitUntil("web.1 and web.2 RUNNING") {
            Self.live($0) == ["web.1@v1 RUNNING", "web.2@v1 RUNNING"]
        }
        #expect(try daemon.dokuen(["ps", "blog"]).standardOutput == "ghost=0\nonce=0\nweb=2\nworker=0\n")
        // Once there is a release, a type it lacks is refused.
        let ghost = try daemon.dokuen(["ps", "scale", "blog", "ghost=1"])
        #expect(ghost.status == .exited(1) && ghost.standardError.contains("release v1 has no process type 'ghost'"))

        // A one-shot type: it runs once, to EXITED with code 0, and fails nothing.
        let set = try daemon.dokuen(["ps", "set", "blog", "once", "restart=never"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let scaled = try daemon.dokuen(["ps", "scale", "blog", "once=1"])
        #expect(scaled.status == .exited(0), "\(scaled.standardError)")
        let exited = try daemon.waitUntil("once.1 EXITED") { statuses in
            statuses.contains { $0.type == "once" && $0.state == "EXITED" && $0.shimPID != nil }
        }
        #expect(exited.first { $0.type == "once" }?.exit == "code 0")
        // A finished one-shot is no failure for `status`'s exit code (0); a stopped slot is (3).
        #expect(try daemon.dokuen(["status", "blog:once"]).status == .exited(0))
        #expect(try daemon.dokuen(["stop", "blog:web.2"]).status == .exited(0))
        #expect(try daemon.dokuen(["status", "blog"]).status == .exited(3))
        #expect(try daemon.dokuen(["start", "blog:web.2"]).status == .exited(0))
        try daemon.waitFor("once.1 logged hi") {
            let log = (try? Posix.readFile(daemon.root + "/apps/blog/logs/once.1.log")) ?? []
            return String(decoding: log, as: UTF8.self).hasSuffix(" hi\n")
        }

        // DOKUEN_SCALE scales when it is set: a new release at the new counts, the one-shot again included.
        let refused = try daemon.dokuen(["config", "set", "blog", "DOKUEN_SCALE=worker=x"])
        #expect(refused.status == .exited(1))
        #expect(
            refused.standardError.hasPrefix(
                #"dokuen: error: invalid DOKUEN_SCALE "worker=x": count "x" is not a whole number"#),
            "\(refused.standardError)")
        let config = try daemon.dokuen(["config", "set", "blog", "DOKUEN_SCALE=web=1 worker=1"])
        #expect(config.status == .exited(0), "\(config.standardError)")
        let after = try daemon.waitUntil("v3 up: web.1, worker.1 RUNNING, once.1 EXITED, nothing else") {
            Self.live($0) == ["once.1@v3 EXITED", "web.1@v3 RUNNING", "worker.1@v3 RUNNING"]
        }
        #expect(after.allSatisfy { $0.release == "v3" })
        #expect(try daemon.dokuen(["ps", "blog"]).standardOutput.hasPrefix("ghost=0\nonce=1\nweb=1\nworker=1\n"))
        #expect(try daemon.dokuen(["config", "get", "blog", "DOKUEN_SCALE"]).standardOutput == "web=1 worker=1\n")
    }

    /// app.json, with comments, names a one-shot type's quantity and its restart setting: the first deploy runs it
    /// to EXITED and succeeds, and says what app.json set and what it does not use.
    @Test func appJSONFormationAndSettingsMakeAOneShotOfTheFirstDeploy() throws {
        let daemon = try DaemonHarness(label: "formation-json")
        defer { daemon.stop() }
        try app(daemon, procfile: "web: exec python3 -m http.server $PORT --bind 127.0.0.1\nmigrate: echo migrated\n")
        let manifest = """
            // Heroku's formation, Dokuen's settings.
            {
              "formation": {"migrate": {"quantity": 1, "size": "basic"}}, /* web gets 1 anyway */
              "dokuen": {"migrate": {"restart": "on-failure"}}
            }
            """
        try AtomicFile.write(Array(manifest.utf8), to: daemon.temp("app/app.json"))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        for line in [
            "-----> app.json: migrate settings restart=on-failure (ps set wins)\n",
            "       app.json: formation.migrate.size: not used by Dokuen (an instance is a process of this host); ignored\n",
            "-----> Formation: migrate=1 web=1\n", "-----> Starting v1: migrate×1 web×1\n",
        ] {
            #expect(deployed.standardOutput.contains(line), "\(line) in \(deployed.standardOutput)")
        }
        let statuses = try daemon.waitUntil("web.1 RUNNING, migrate.1 EXITED") {
            Self.live($0) == ["migrate.1@v1 EXITED", "web.1@v1 RUNNING"]
        }
        #expect(statuses.first { $0.type == "migrate" }?.exit == "code 0")

        // A broken app.json fails the deploy with its line and column, and changes nothing.
        try AtomicFile.write(Array("{\n  \"formation\": {} /* open\n}\n".utf8), to: daemon.temp("app/app.json"))
        let broken = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(broken.status == .exited(1))
        #expect(
            broken.standardError.contains("app.json line 2, column 19: a /* comment is not closed with */"),
            "\(broken.standardError)")
    }

    /// The end of a deploy that fails because its instance did not start, pinned in Tests/Golden/cli/deploy-failure.txt:
    /// the instance's last log lines, indented, before the error. `ps set` before the first deploy makes web exit
    /// once (restart=never), so the log holds exactly one run; with the default restart=always, an exit fails the
    /// deploy too.
    @Test func aDeployWhoseInstanceDoesNotStartShowsTheEndOfItsLog() throws {
        let daemon = try DaemonHarness(label: "formation-log")
        defer { daemon.stop() }
        try app(daemon, procfile: "web: echo booting && gunicorn app:app\n")
        let set = try daemon.dokuen(["ps", "set", "blog", "web", "restart=never"])
        #expect(set.status == .exited(0), "\(set.standardError)")
        let failed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(failed.status == .exited(1))
        let output = failed.standardOutput
        let tail = output[(output.range(of: "-----> Starting v1")?.lowerBound ?? output.startIndex)...]
        let text = "$ dokuen deploy blog APP\n[\(failed.status)]\n" + tail + failed.standardError
        let golden = GoldenText(directory: CLIGoldenTests.directory, name: "deploy-failure.txt")
        let mismatch = try golden.mismatch(text)
        #expect(mismatch == nil, "\(mismatch ?? "")")

        // restart=always (the default again): the exit still fails the deploy, and the log still shows why.
        let unset = try daemon.dokuen(["ps", "set", "blog", "web", "restart="])
        #expect(unset.status == .exited(0), "\(unset.standardError)")
        let again = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(again.status == .exited(1))
        #expect(again.standardOutput.contains("\n       /bin/sh: 2: gunicorn: not found\n"), "\(again.standardOutput)")
        #expect(again.standardError.contains("web.1 did not start"), "\(again.standardError)")
    }
}
