import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// dokuend killed at every recorded cutover phase (docs/FAULTS.md): `DOKUEN_FAULT_KILL_AT` makes it SIGKILL itself
/// right after recording the phase; a plain restart must then leave the release that was recorded serving, the
/// deploy recorded with the outcome that happened, and no build directory, build process or orphan instance.
@Suite(.serialized, .timeLimit(.minutes(10))) struct CrashTests {
    /// What v2's Procfile adds to its web: a release command whose output (indented) is where the hook kills a
    /// build, and whose `sleep` is the build process a restart must kill.
    static let marker = "3017"

    // `routing` needs nginx: see the test after this one.
    @Test(arguments: [
        ("building", false), ("built", false), ("starting", false), ("checking", false), ("recording", false),
        ("recorded", true), ("stopping-old", true), ("pruning", true), ("done", true), ("withdrawn", false),
    ])
    func aKillAtEachPhaseEndsWithTheTruth(_ phase: String, _ succeeds: Bool) throws {
        let daemon = try DaemonHarness(label: "crash")
        defer { daemon.stop() }
        try killDeploy(daemon, at: phase, succeeds: succeeds)
    }

    /// With nginx, the `routing` phase too; nginx routes to the release that serves after the restart.
    @Test(
        .enabled(if: NginxHarness.binary != nil, "needs nginx (Debian's nginx-light)"),
        arguments: [("routing", false), ("recorded", true)])
    func aKillWhileNginxSwitchesEndsWithTheTruth(_ phase: String, _ succeeds: Bool) throws {
        let harness = try NginxHarness(label: "crash-nginx")
        defer { harness.stop() }
        try killDeploy(harness.daemon, at: phase, succeeds: succeeds)
        let expected = succeeds ? "v2\n" : "v1\n"
        try harness.daemon.waitFor("nginx routes blog to \(expected)") {
            try harness.get("blog.localhost", path: "/index.txt").standardOutput == expected
        }
    }

    /// A prune cut short after it deleted a build's record leaves its directory; the next start removes it, and
    /// nothing else of `releases/`.
    @Test func aStartRemovesTheBuildDirectoriesNoRecordNames() throws {
        let daemon = try DaemonHarness(label: "crash-prune")
        defer { daemon.stop() }
        try write(daemon, version: "v1", release: nil)
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["deploy", "blog", daemon.temp("app")]).status == .exited(0))
        let releases = daemon.root + "/apps/blog/releases"
        let kept = try Posix.listDirectory(releases)
        let orphan = releases + "/20200101T000000.000000Z"
        try Posix.mkdir(orphan)
        try AtomicFile.write(Array("old\n".utf8), to: orphan + "/index.txt")
        try AtomicFile.write([], to: releases + "/notes")
        try daemon.restart()
        #expect(try Posix.listDirectory(releases).sorted() == (kept + ["notes"]).sorted())
        _ = try serving(daemon, "v1")
    }

    /// Deploys v1, then v2 with a dokuend killed after recording `phase`, restarts it, and checks what is left.
    func killDeploy(_ daemon: DaemonHarness, at phase: String, succeeds: Bool) throws {
        try write(daemon, version: "v1", release: nil)
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let first = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(first.status == .exited(0), "\(first.standardError)")
        _ = try serving(daemon, "v1")

        // v2, with a dokuend that kills itself after recording `phase`.
        let release =
            switch phase {
            case "building": "echo releasing && exec sleep \(Self.marker)"
            case "withdrawn": "exit 3"
            default: "true"
            }
        try write(daemon, version: "v2", release: release)
        let faulty = try FaultyDaemon(daemon, killAt: phase)
        // The CLI outlives the daemon under it: it waits for the next dokuend and reports how the deploy ended.
        let second = try BackgroundProgram(
            daemon.bin + "/dokuen", ["deploy", "blog", daemon.temp("app"), "--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
        defer { second.stop() }
        #expect(try faulty.waitForDeath(), "dokuend killed itself at \(phase): \(faulty.program.standardError)")
        faulty.program.stop()

        try daemon.restart()
        let status = try second.wait(milliseconds: 120_000)
        #expect(status == .exited(succeeds ? 0 : 1), "\(second.standardOutput)\n\(second.standardError)")
        let said = "dokuend restarted during the deploy; deploy 2 ended as \(succeeds ? "succeeded" : "failed")"
        #expect((succeeds ? second.standardOutput : second.standardError).contains(said), "\(second.standardError)")
        let expected = succeeds ? "v2" : "v1"
        let web = try serving(daemon, expected)
        #expect(web.release == expected)

        // The deploy is recorded with what happened.
        let events = try JSONDecoder().decode(
            [EventEntry].self, from: Data(try daemon.dokuen(["events", "blog", "--json"]).stdout))
        let ending = try #require(events.first { $0.action == "deploy.succeed" || $0.action == "deploy.fail" })
        #expect(ending.detail.hasPrefix("deploy 2: "), "\(ending)")
        #expect(ending.action == (succeeds ? "deploy.succeed" : "deploy.fail"), "\(ending)")
        if !succeeds, phase != "withdrawn" {
            #expect(ending.detail.contains("dokuend restarted while"), "\(ending)")
        }

        // No build directory beyond the releases' builds, no build process, no orphan instance.
        let releases = daemon.root + "/apps/blog/releases"
        let entries = try Posix.listDirectory(releases).sorted()
        #expect(entries.count == (succeeds ? 2 : 1), "\(entries)")
        try daemon.waitFor("no process of the killed build") { Self.buildProcesses().isEmpty }
        let services = try Posix.listDirectory(daemon.root + "/run/svc/blog")
        try daemon.waitFor("only \(expected)'s instance is supervised") {
            try Posix.listDirectory(daemon.root + "/run/svc/blog").count == 1
        }
        #expect(services.count >= 1)
    }

    /// The app: a web serving its version; `release` is its Procfile's release command, if any.
    func write(_ daemon: DaemonHarness, version: String, release: String?) throws {
        if try Posix.lstat(daemon.temp("app")) == nil { try Posix.mkdir(daemon.temp("app")) }
        let procfile =
            "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n" + (release.map { "release: \($0)\n" } ?? "")
        try AtomicFile.write(Array(procfile.utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array("\(version)\n".utf8), to: daemon.temp("app/index.txt"))
    }

    /// Waits until exactly one instance runs, of `version`, and it answers with its version.
    func serving(_ daemon: DaemonHarness, _ version: String) throws -> InstanceStatus {
        let statuses = try daemon.waitUntil("one web of \(version) RUNNING") {
            $0.count == 1 && $0.allSatisfy { $0.state == "RUNNING" && $0.release == version }
        }
        let port = try #require(statuses.first?.port)
        let body = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)/index.txt').read().decode(), end='')",
            ])
        #expect(body.standardOutput == "\(version)\n", "\(body.standardError)")
        return try #require(statuses.first)
    }

    /// The processes left of a v2 build: the release command's `sleep`.
    static func buildProcesses() -> [Int32] {
        ((try? Posix.listDirectory("/proc")) ?? []).compactMap { Int32($0) }.filter { pid in
            let arguments = ((try? Posix.readFile("/proc/\(pid)/cmdline")) ?? []).split(separator: 0).map {
                String(decoding: $0, as: UTF8.self)
            }
            return arguments.contains("sleep") && arguments.contains(marker)
        }
    }
}

/// The harness's dokuend replaced, on the same root, by one that has `DOKUEN_FAULT_KILL_AT` in its environment.
/// The harness's `restart()` later starts a plain one again.
struct FaultyDaemon {
    let program: BackgroundProgram

    init(_ harness: DaemonHarness, killAt phase: String) throws {
        // Killed as `restart()` kills it; the reaped status stays with the harness's program, whose `restart()`
        // later finds it gone.
        try harness.daemon.signal(SIGKILL)
        _ = try harness.daemon.wait(milliseconds: 10_000)
        let notify = try NotifySocket(path: harness.temp("notify-fault"))
        program = try BackgroundProgram(
            harness.bin + "/dokuend", ["--root", harness.root, "--ports", harness.ports] + harness.options,
            environment: [
                "PATH": "/usr/bin:/bin", "HOME": harness.temp.path, "NOTIFY_SOCKET": notify.path,
                "DOKUEN_FAULT_KILL_AT": phase,
            ])
        guard try notify.waitFor("READY=1") != nil else {
            throw ProgramRunError(description: "dokuend did not become ready: \(program.standardError)")
        }
    }

    /// Whether it died of SIGKILL within a minute.
    func waitForDeath() throws -> Bool {
        try program.wait(milliseconds: 60_000) == .signaled(SIGKILL)
    }
}
