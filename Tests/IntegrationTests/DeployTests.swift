import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen deploy` of a Procfile app through the real dokuend: supervised instances, status, re-adoption.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DeployTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: while true; do echo tick; sleep 1; done
        """

    func deploy(_ daemon: DaemonHarness, app: String = "blog", expecting count: Int = 2) throws -> [InstanceStatus] {
        if (try Posix.lstat(daemon.temp("app"))) == nil {
            try Posix.mkdir(daemon.temp("app"))
            try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
            try AtomicFile.write(Array("hello from blog\n".utf8), to: daemon.temp("app/index.txt"))
        }
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", app, "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", app, daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        #expect(
            deployed.standardOutput.contains(
                "-----> Starting v1: web×1 worker×1\n-----> Checking web: its port accepts\n-----> Release v1 is up ("))
        return try waitForRunning(daemon, count: count)
    }

    func waitForRunning(_ daemon: DaemonHarness, count: Int) throws -> [InstanceStatus] {
        try daemon.waitUntil("\(count) instances RUNNING") {
            $0.count == count && $0.allSatisfy { $0.state == "RUNNING" }
        }
    }

    @Test func deployRunsEveryTypeAsTheAppUserAndServes() throws {
        let daemon = try DaemonHarness(label: "deploy")
        defer { daemon.stop() }
        let statuses = try deploy(daemon)
        #expect(
            statuses.map { "\($0.app):\($0.type).\($0.index)@\($0.release)" } == ["blog:web.1@v1", "blog:worker.1@v1"])
        let web = try #require(statuses.first { $0.type == "web" })
        let port = try #require(web.port)
        #expect(Set(statuses.compactMap(\.port)).count == 2, "distinct ports")

        let body = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)/index.txt').read().decode(), end='')",
            ])
        #expect(body.standardOutput == "hello from blog\n", "\(body.standardError)")

        if geteuid() == 0 {
            let owner = try runProgram("/bin/ps", ["-o", "user=", "-p", "\(try #require(web.pid))"])
            #expect(owner.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "dk-blog")
        }
        // status --json: every instance's resident memory and CPU time, read from /proc for its app process.
        let json = try JSONSerialization.jsonObject(with: Data(try daemon.dokuen(["status", "--json"]).stdout))
        let first = try #require((json as? [[String: Any]])?.first)
        #expect(first["rss_bytes"] is NSNumber && first["cpu_seconds"] is NSNumber, "\(first)")
        #expect((first["rss_bytes"] as? Int ?? 0) > 1 << 20, "python3 holds more than a MiB")
        let text = try daemon.dokuen(["status"])
        #expect(text.status == .exited(0))
        #expect(
            text.standardOutput.hasPrefix("blog:web.1      RUNNING   pid \(try #require(web.pid)), port \(port), v1"))
    }

    @Test func killingDokuendChangesNoAppProcess() throws {
        let daemon = try DaemonHarness(label: "adopt")
        defer { daemon.stop() }
        let before = try deploy(daemon)
        try daemon.restart()
        let after = try daemon.dokuen(["status", "--json"])
        // Memory and CPU time move while the apps run; everything else must be exactly as before.
        let decoded = try JSONDecoder().decode([InstanceStatus].self, from: Data(after.stdout))
        #expect(decoded.map(\.withoutUsage) == before.map(\.withoutUsage))
        #expect(decoded.allSatisfy { ($0.rssBytes ?? 0) > 0 && $0.cpuSeconds != nil }, "read again by the new dokuend")
    }

    @Test func statusOfAnUnknownTargetExits4() throws {
        let daemon = try DaemonHarness(label: "status")
        defer { daemon.stop() }
        let unknown = try daemon.dokuen(["status", "nope"])
        #expect(unknown.status == .exited(4))
        #expect(unknown.standardError == "", "an exit status is an outcome, not an error line")
        let bad = try daemon.dokuen(["status", "Bad:web"])
        #expect(bad.status == .exited(64))
        #expect(bad.standardError.hasPrefix("dokuen: error: invalid target \"Bad:web\""))
    }

    func get(_ port: Int) throws -> String {
        try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)/index.txt').read().decode(), end='')",
            ]
        ).standardOutput
    }

    @Test func scaleWebToThreeThenBackToOne() throws {
        let daemon = try DaemonHarness(label: "scale")
        defer { daemon.stop() }
        _ = try deploy(daemon)
        #expect(
            try daemon.dokuen(["ps", "scale", "blog", "web=3"]).standardOutput == "Scaled blog to web=3 worker=1\n")
        let scaled = try waitForRunning(daemon, count: 4).filter { $0.type == "web" }
        #expect(scaled.map(\.index) == [1, 2, 3])
        let ports = scaled.compactMap(\.port)
        #expect(Set(ports).count == 3)
        for port in ports { #expect(try get(port) == "hello from blog\n") }
        // Reconcile passes never overlap: no shim was started twice for the same instance.
        let services = daemon.root + "/run/svc/blog"
        for instance in try Posix.listDirectory(services) {
            let log = String(
                decoding: (try? Posix.readFile(services + "/" + instance + "/shim.log")) ?? [], as: UTF8.self)
            #expect(!log.contains("already supervised"), "\(instance): \(log)")
        }

        let bad = try daemon.dokuen(["ps", "scale", "blog", "clock=1"])
        #expect(bad.status == .exited(1))
        #expect(
            bad.standardError.hasPrefix("dokuen: error: unable to scale blog: release v1 has no process type 'clock'"))

        #expect(try daemon.dokuen(["ps", "scale", "blog", "web=1"]).status == .exited(0))
        let gone = try #require(scaled.last?.pid)
        #expect(try Posix.waitForExit(pid: gone, milliseconds: 30_000), "web.3 stops when scaled away")
    }

    @Test func aCrashedWebIsRestartedAndLogged() throws {
        let daemon = try DaemonHarness(label: "crash")
        defer { daemon.stop() }
        let web = try #require(try deploy(daemon).first { $0.type == "web" })
        try Posix.kill(try #require(web.pid), SIGKILL)
        let restarted = try daemon.waitUntil("web.1 RUNNING with a new pid") { statuses in
            statuses.contains { $0.type == "web" && $0.state == "RUNNING" && $0.pid != nil && $0.pid != web.pid }
        }.first { $0.type == "web" }
        #expect(restarted?.restarts == 1)
        #expect(restarted?.port == web.port)
        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(events.contains("instance.exit  web.1@v1 exited (signal 9)"), "\(events)")
    }

    /// A reboot: every shim and app process dies at once, then dokuend starts. The formation comes back; a stopped
    /// app stays stopped.
    @Test func aRebootRestoresTheFormationAndKeepsStoppedAppsStopped() throws {
        let daemon = try DaemonHarness(label: "reboot")
        defer { daemon.stop() }
        let blog = try deploy(daemon)
        let shop = try deploy(daemon, app: "shop", expecting: 4).filter { $0.app == "shop" }
        #expect(try daemon.dokuen(["stop", "shop"]).standardOutput == "Stopped shop\n")
        for instance in shop { #expect(try Posix.waitForExit(pid: try #require(instance.pid), milliseconds: 30_000)) }

        for instance in blog { try Posix.kill(try #require(instance.shimPID), SIGKILL) }
        for instance in blog { #expect(try Posix.waitForExit(pid: try #require(instance.pid), milliseconds: 10_000)) }
        try daemon.restart()
        let after = try daemon.waitUntil("blog RUNNING and shop STOPPED") { statuses in
            statuses.count == 4 && statuses.allSatisfy { $0.state == ($0.app == "blog" ? "RUNNING" : "STOPPED") }
        }
        #expect(
            after.map { "\($0.app):\($0.type) \($0.pid == nil)" }
                == ["blog:web false", "blog:worker false", "shop:web true", "shop:worker true"],
            "shop stays stopped, and status shows it as supervisorctl would")
        #expect(Set(after.compactMap(\.pid)).isDisjoint(with: blog.compactMap(\.pid)))

        #expect(try daemon.dokuen(["start", "shop"]).status == .exited(0))
        #expect(try waitForRunning(daemon, count: 4).filter { $0.app == "shop" }.count == 2)
    }

    /// A config change is a new release of the same build, cut over like a deploy; values never reach the log.
    @Test func configSetMakesANewReleaseWithTheNewEnv() throws {
        let daemon = try DaemonHarness(label: "config")
        defer { daemon.stop() }
        let v1 = try deploy(daemon)
        let set = try daemon.dokuen(["config", "set", "blog", "GREETING=hello world", "SECRET=s3cr3t=x"])
        #expect(set.standardOutput == "Config of blog changed; release v2 is up\n", "\(set.standardError)")
        let v2 = try daemon.waitUntil("only v2 instances, RUNNING") { statuses in
            statuses.count == 2 && statuses.allSatisfy { $0.release == "v2" && $0.state == "RUNNING" }
        }
        for instance in v1 { #expect(try Posix.waitForExit(pid: try #require(instance.pid), milliseconds: 30_000)) }
        let web = try #require(v2.first { $0.type == "web" })
        let environ = String(decoding: try Posix.readFile("/proc/\(try #require(web.pid))/environ"), as: UTF8.self)
        #expect(environ.split(separator: "\0").contains("GREETING=hello world"))
        #expect(try daemon.dokuen(["config", "get", "blog", "SECRET"]).standardOutput == "s3cr3t=x\n")
        #expect(try daemon.dokuen(["config", "blog"]).standardOutput == "GREETING=hello world\nSECRET=s3cr3t=x\n")

        let events = try daemon.dokuen(["events", "blog"]).standardOutput
        #expect(events.contains("config.change  set GREETING, set SECRET"))
        #expect(!events.contains("s3cr3t") && !events.contains("hello world"), "values never reach the event log")
        #expect(!(try daemon.dokuen(["status"]).standardOutput.contains("s3cr3t")))

        let quiet = try daemon.dokuen(["config", "unset", "blog", "GREETING", "--no-restart"])
        #expect(quiet.standardOutput == "Config of blog changed; it takes effect with the next release\n")
        #expect(try daemon.dokuen(["config", "blog"]).standardOutput == "SECRET=s3cr3t=x\n")
    }

    @Test(arguments: [
        (["config", "set", "blog", "BAD-KEY=x"], "dokuen: error: invalid config key \"BAD-KEY\""),
        (
            ["config", "set", "blog", "KEY=trailing "],
            "dokuen: error: invalid value for config key KEY: it ends with a space"
        ),
        (["config", "set", "blog", "NOEQUALS"], "dokuen: error: invalid config pair"),
        (["config", "unset", "blog"], "dokuen: error: name at least one key to unset"),
    ])
    func badConfigChangesNothing(_ arguments: [String], _ message: String) throws {
        let daemon = try DaemonHarness(label: "badconfig")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "set", "blog", "KEEP=1", "--no-restart"]).status == .exited(0))
        let result = try daemon.dokuen(arguments)
        #expect(result.status == .exited(64))
        #expect(result.standardError.hasPrefix(message), "\(result.standardError)")
        #expect(!result.standardError.contains("trailing "), "values are not echoed")
        #expect(try daemon.dokuen(["config", "blog"]).standardOutput == "KEEP=1\n")
        let env = daemon.root + "/apps/blog/env"
        #expect(try Posix.readlink(env) == "env.g1")
        #expect(try #require(try Posix.lstat(env + "/KEEP")).permissions & 0o777 == 0o600, "env files are 0600")
    }

    @Test func restartSignalPidAndShutdown() throws {
        let daemon = try DaemonHarness(label: "verbs")
        defer { daemon.stop() }
        let before = try deploy(daemon)
        let web = try #require(before.first { $0.type == "web" })
        let worker = try #require(before.first { $0.type == "worker" })
        #expect(try daemon.dokuen(["pid", "blog:web.1"]).standardOutput == "\(try #require(web.pid))\n")

        #expect(try daemon.dokuen(["restart", "blog:web"]).standardOutput == "Restarting blog:web.1 … ready\n")
        #expect(try Posix.waitForExit(pid: try #require(web.pid), milliseconds: 30_000))
        #expect(try daemon.dokuen(["signal", "TERM", "blog:worker.1"]).status == .exited(0))
        #expect(try Posix.waitForExit(pid: try #require(worker.pid), milliseconds: 30_000))
        let after = try daemon.waitUntil("both RUNNING with new pids") { statuses in
            statuses.count == 2 && statuses.allSatisfy { $0.state == "RUNNING" && $0.pid != nil }
                && Set(statuses.compactMap(\.pid)).isDisjoint(with: before.compactMap(\.pid))
        }

        let missing = try daemon.dokuen(["restart", "nope"])
        #expect(missing.status == .exited(1))
        #expect(missing.standardError == "dokuen: error: unable to find a running instance for nope\n")
        #expect(try daemon.dokuen(["signal", "BOGUS", "blog"]).status == .exited(64))

        let shutdown = try daemon.dokuen(["shutdown"])
        #expect(shutdown.standardOutput == "dokuend is stopping; apps keep running\n")
        #expect(try daemon.daemon.wait(milliseconds: 30_000) == .exited(0))
        for instance in after { #expect(isAlive(try #require(instance.pid)), "apps keep running") }
    }

    /// What dokuend starts never sees its systemd variables; `stop all` stops every app; Dokuen 2012's verbs work;
    /// destroy stops the app's processes and keeps data/ unless --purge.
    @Test func stopAllLegacyVerbsAndDestroy() throws {
        let daemon = try DaemonHarness(label: "destroy")
        defer { daemon.stop() }
        let running = try deploy(daemon)
        let web = try #require(running.first { $0.type == "web" })
        let environ = String(decoding: try Posix.readFile("/proc/\(try #require(web.pid))/environ"), as: UTF8.self)
        #expect(!environ.contains("NOTIFY_SOCKET") && !environ.contains("WATCHDOG_") && !environ.contains("LISTEN_"))
        #expect(environ.split(separator: "\0").contains("DYNO=web.1"))

        #expect(try daemon.dokuen(["stop", "all"]).standardOutput == "Stopped all\n")
        for instance in running {
            #expect(try Posix.waitForExit(pid: try #require(instance.pid), milliseconds: 30_000))
        }
        #expect(try daemon.dokuen(["start", "all"]).status == .exited(0))
        _ = try waitForRunning(daemon, count: 2)
        #expect(try daemon.dokuen(["scale", "web=2", "--application", "blog"]).status == .exited(0))
        let scaled = try waitForRunning(daemon, count: 3)
        #expect(try daemon.dokuen(["config_set", "-V", "A=1", "--application", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "get", "blog", "A"]).standardOutput == "1\n")

        try AtomicFile.write(Array("keep me\n".utf8), to: daemon.root + "/apps/blog/data/file")
        let destroyed = try daemon.dokuen(["apps", "destroy", "blog", "--confirm", "blog"])
        #expect(destroyed.standardOutput == "Destroyed blog; its data/ directory is kept (--purge deletes it)\n")
        for instance in scaled { #expect(try Posix.waitForExit(pid: try #require(instance.pid), milliseconds: 30_000)) }
        // Its service directories go, run/svc/blog with them, and nothing is logged about an app that is gone.
        try daemon.waitFor("run/svc/blog is removed") { !Posix.exists(daemon.root + "/run/svc/blog") }
        #expect(!daemon.daemon.standardError.contains("unable to find app"), "\(daemon.daemon.standardError)")
        #expect(try Posix.listDirectory(daemon.root + "/apps/blog") == ["data"])
        #expect(try Posix.readFile(daemon.root + "/apps/blog/data/file") == Array("keep me\n".utf8))
    }

    /// `dokuen run` executes in the release's directory with its env, as the app's user, and passes the exit code.
    @Test func runExecutesAOneOffCommandLikeTheApp() throws {
        let daemon = try DaemonHarness(label: "run")
        defer { daemon.stop() }
        _ = try deploy(daemon)
        #expect(try daemon.dokuen(["config", "set", "blog", "GREETING=hi there"]).status == .exited(0))
        let result = try daemon.dokuen(
            ["run", "blog", "--", "sh", "-c", "echo \"$DYNO|$GREETING|$(id -un)|$(cat index.txt)|$1\"", "x", "$HOME"])
        #expect(result.status == .exited(0), "\(result.standardError)")
        let user =
            geteuid() == 0
            ? "dk-blog" : try runProgram("/usr/bin/id", ["-un"]).standardOutput.trimmingCharacters(in: .newlines)
        #expect(result.standardOutput == "run.1|hi there|\(user)|hello from blog|$HOME\n")
        #expect(try daemon.dokuen(["run", "blog", "--", "sh", "-c", "exit 7"]).status == .exited(7))
        let legacy = try daemon.dokuen(["run_command", "--application=blog", "--", "sh", "-c", "echo $DYNO"])
        #expect(legacy.standardOutput == "run.1\n", "Dokuen 2012's verb: \(legacy.standardError)")
        let missing = try daemon.dokuen(["run", "blog"])
        #expect(missing.status == .exited(64))
    }

    /// A deploy whose new web crashes fails, says why, and leaves the old release serving (docs/DESIGN.md invariant 1).
    /// It makes no release: vN counts successful releases, its build is removed, and the next deploy is v2.
    @Test func aCrashingReleaseFailsTheDeployAndTheOldOneKeepsServing() throws {
        let daemon = try DaemonHarness(label: "faildeploy")
        defer { daemon.stop() }
        let v1 = try deploy(daemon)
        let good = try Posix.readFile(daemon.temp("app/Procfile"))
        try AtomicFile.write(
            Array("web: echo broken >&2; exit 3\nworker: exec sleep 1000\n".utf8), to: daemon.temp("app/Procfile"))
        let failed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(failed.status == .exited(1))
        #expect(
            failed.standardError.hasPrefix(
                "dokuen: error: unable to deploy blog: v2 did not come up: web.1 did not start: "),
            "\(failed.standardError)")
        #expect(failed.standardOutput.contains("-----> Stopping the instances of v2; what was serving keeps serving\n"))
        let web = try #require(v1.first { $0.type == "web" })
        #expect(isAlive(try #require(web.pid)), "v1's web still serves")
        #expect(try get(try #require(web.port)) == "hello from blog\n")
        let after = try waitForRunning(daemon, count: 2)
        #expect(after.map(\.pid) == v1.map(\.pid), "nothing of v1 was touched")
        #expect(try daemon.dokuen(["apps", "info", "blog"]).standardOutput.contains("release:  v1"))
        #expect(try Posix.listDirectory(daemon.root + "/apps/blog/releases").count == 1, "the failed build is gone")
        #expect(try daemon.dokuen(["events", "blog"]).standardOutput.contains("deploy.fail"))

        try AtomicFile.write(good, to: daemon.temp("app/Procfile"))
        let next = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(next.status == .exited(0), "\(next.standardError)")
        #expect(next.standardOutput.contains("-----> Release v2 is up ("), "a failed deploy is not a release")
    }

    /// A config change whose release does not come up is put back: the config always matches what serves.
    @Test func aConfigChangeThatBreaksTheAppIsPutBack() throws {
        let daemon = try DaemonHarness(label: "failconfig")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(
            Array("web: [ -z \"$BROKEN\" ] || exit 3; exec python3 -m http.server $PORT --bind 127.0.0.1\n".utf8),
            to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "set", "blog", "GREETING=hi"]).status == .exited(0))
        #expect(try daemon.dokuen(["deploy", "blog", daemon.temp("app")]).status == .exited(0))
        let v1 = try waitForRunning(daemon, count: 1)

        let broken = try daemon.dokuen(["config", "set", "blog", "BROKEN=1", "GREETING=bye"])
        #expect(broken.status == .exited(1))
        #expect(
            broken.standardError.hasPrefix(
                "dokuen: error: unable to change the config of blog, so it was put back: v2 did not come up: web.1 "),
            "\(broken.standardError)")
        #expect(try daemon.dokuen(["config", "get", "blog", "GREETING"]).standardOutput == "hi\n")
        #expect(try daemon.dokuen(["config", "get", "blog", "BROKEN"]).status == .exited(1))
        #expect(try waitForRunning(daemon, count: 1).map(\.pid) == v1.map(\.pid))
        #expect(try daemon.dokuen(["apps", "info", "blog"]).standardOutput.contains("release:  v1"))
    }
}
