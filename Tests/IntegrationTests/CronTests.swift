import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Issue 18's cron (docs/CRON.md), with a real dokuend and real jobs: app.json's `* * * * *` jobs fire within the
/// minute in the release's environment as the app's user, their output in `logs/cron.<id>.log`; `cron run` runs one
/// at once and streams it; a job still running is not started twice, also across a dokuend restart; `suspend` stops
/// the firing; a job runs under a dokuen-shim of its own, which `apps destroy` stops; a schedule that cannot parse
/// fails the deploy before any release.
@Suite(.serialized, .timeLimit(.minutes(4)), .enabled(if: geteuid() == 0, "needs root: apps get users of their own"))
struct CronTests {
    static let procfile = "web: exec python3 -m http.server $PORT --bind 127.0.0.1\n"
    static let appJSON = """
        {"cron": [
          {"command": "echo \\"tick $GREETING $(id -un)\\"", "schedule": "* * * * *"},
          {"command": "echo \\"long pid $$\\"; exec sleep 300", "schedule": "*/1 * * * *"}
        ]}
        """

    func source(_ daemon: DaemonHarness, _ name: String, appJSON: String) throws -> String {
        let directory = daemon.temp("src-\(name)")
        try Posix.mkdir(directory)
        try AtomicFile.write(Array(Self.procfile.utf8), to: directory + "/Procfile")
        try AtomicFile.write(Array(appJSON.utf8), to: directory + "/app.json")
        return directory
    }

    /// Waits for `condition`, pausing on a socket's receive timeout (no event announces a minute boundary).
    func wait(_ daemon: DaemonHarness, _ what: String, seconds: Int, _ condition: () throws -> Bool) throws {
        let pause = try NotifySocket(path: daemon.temp("pause-\(what.count)-\(Int.random(in: 0..<1_000_000))"))
        for _ in 0..<(seconds * 4) {
            if try condition() { return }
            _ = try pause.receive(milliseconds: 250)
        }
        Issue.record("never \(what) within \(seconds) s; dokuend said: \(daemon.daemon.standardError)")
        throw ProgramRunError(description: "never \(what)")
    }

    func log(_ daemon: DaemonHarness, _ app: String, _ id: String) -> String {
        (try? Posix.readFile(daemon.root + "/apps/\(app)/logs/cron.\(id).log")).map {
            String(decoding: $0, as: UTF8.self)
        } ?? ""
    }

    @Test func jobsFireRunAndSuspend() throws {
        let daemon = try DaemonHarness(label: "cron")
        var longPID: Int32?
        defer {
            if let longPID { _ = try? Posix.kill(longPID, SIGKILL) }
            daemon.stop()
        }
        let app = "cron-tick"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        #expect(try daemon.dokuen(["config", "set", app, "GREETING=hello"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", app, try source(daemon, app, appJSON: Self.appJSON)])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        #expect(deployed.standardOutput.contains("app.json: cron "), "\(deployed.standardOutput)")

        let listed = try daemon.dokuen(["cron", "list", app, "--json"])
        try #require(listed.status == .exited(0), "\(listed.standardError)")
        let jobs = try JSONDecoder().decode([CronJobStatus].self, from: Data(listed.stdout))
        try #require(jobs.count == 2)
        let tick = jobs[0].id
        let long = jobs[1].id
        #expect(jobs.allSatisfy { $0.next != nil && $0.last == nil && !$0.suspended })

        // Within the minute: the job ran in the release's env (config) as the app's user, and logged its exit.
        try wait(daemon, "the tick job ran", seconds: 75) { log(daemon, app, tick).contains("--- exit 0") }
        #expect(log(daemon, app, tick).contains("tick hello dk-\(app)\n"), "\(log(daemon, app, tick))")

        // The long job started by its schedule too; `cron run` does not start it a second time.
        try wait(daemon, "the long job started", seconds: 10) { log(daemon, app, long).contains("long pid ") }
        let pidLine = log(daemon, app, long).split(separator: "\n").first { $0.hasPrefix("long pid ") }
        longPID = pidLine.flatMap { Int32($0.dropFirst(9)) }
        // It runs under a dokuen-shim of its own, in `run/cron/APP/ID`, which writes its log; `status` does not
        // list it as an instance.
        let firstPID = try #require(longPID)
        let shim = try #require(parent(of: firstPID))
        #expect(command(of: shim).first?.hasSuffix("/dokuen-shim") == true, "\(command(of: shim))")
        #expect(command(of: shim).contains(daemon.root + "/run/cron/\(app)/\(long)"), "\(command(of: shim))")
        #expect(command(of: shim).contains(daemon.root + "/apps/\(app)/logs/cron.\(long).log"))
        #expect(try daemon.statuses().filter { $0.app == app }.map(\.type) == ["web"])
        let twice = try daemon.dokuen(["cron", "run", app, long])
        #expect(twice.status != .exited(0))
        #expect(twice.standardError.contains("cron job \(long) is still running since"), "\(twice.standardError)")
        #expect(log(daemon, app, long).contains("skipped"))
        let running = try JSONDecoder().decode(
            [CronJobStatus].self, from: Data(try daemon.dokuen(["cron", "list", app, "--json"]).stdout))
        #expect(running.first { $0.id == long }?.running != nil)
        #expect(running.first { $0.id == long }?.last?.trigger == "skipped")

        // `cron run` runs now and streams; the list then shows the last run's exit.
        let now = try daemon.dokuen(["cron", "run", app, tick])
        #expect(now.status == .exited(0), "\(now.standardError)")
        #expect(now.standardOutput == "tick hello dk-\(app)\n")

        // The tick suspended, the long job still running: at the next minute the tick does not fire, and the long
        // job's schedule finds it running and skips it (one `sleep` of the app's user, ever).
        #expect(
            try daemon.dokuen(["cron", "suspend", app, tick]).standardOutput
                == "cron job \(tick) of \(app): suspended\n")
        let runsBefore = log(daemon, app, tick).components(separatedBy: "--- exit 0").count
        let skipsBefore = log(daemon, app, long).components(separatedBy: "; skipped").count
        let suspended = try JSONDecoder().decode(
            [CronJobStatus].self, from: Data(try daemon.dokuen(["cron", "list", app, "--json"]).stdout))
        #expect(suspended.map(\.suspended) == [true, false])
        #expect(suspended.first { $0.id == tick }?.last?.exit == 0)
        let nextMinute = try #require(suspended.first { $0.id == tick }?.next)
        try wait(daemon, "the minute after the suspension passed", seconds: 75) {
            Int64(Date().timeIntervalSince1970) >= nextMinute + 3
        }
        #expect(log(daemon, app, tick).components(separatedBy: "--- exit 0").count == runsBefore)
        #expect(log(daemon, app, long).components(separatedBy: "; skipped").count == skipsBefore + 1)
        let sleeps = try runProgram("/usr/bin/pgrep", ["-u", "dk-\(app)", "-x", "sleep"])
        #expect(sleeps.standardOutput.split(separator: "\n").count == 1, "\(sleeps.standardOutput)")

        // Every job at once, then back.
        #expect(try daemon.dokuen(["cron", "suspend", app]).standardOutput == "every cron job of \(app): suspended\n")
        let all = try JSONDecoder().decode(
            [CronJobStatus].self, from: Data(try daemon.dokuen(["cron", "list", app, "--json"]).stdout))
        #expect(all.allSatisfy { $0.suspended })
        #expect(try daemon.dokuen(["cron", "resume", app]).standardOutput == "every cron job of \(app): resumed\n")
        #expect(try daemon.dokuen(["cron", "list", app]).standardOutput.contains("running since"))

        // dokuend killed and started again: the job goes on under its shim, and the new dokuend knows it runs (no
        // second start), then records its end when it comes.
        #expect(try daemon.dokuen(["cron", "suspend", app, long]).status == .exited(0))
        try daemon.restart()
        #expect(alive(firstPID))
        let again = try daemon.dokuen(["cron", "run", app, long])
        #expect(again.standardError.contains("cron job \(long) is still running since"), "\(again.standardError)")
        try Posix.kill(firstPID, SIGKILL)
        try wait(daemon, "the adopted run's end was recorded", seconds: 10) {
            log(daemon, app, long).contains("--- signal 9 after ")
        }
        let ended = try JSONDecoder().decode(
            [CronJobStatus].self, from: Data(try daemon.dokuen(["cron", "list", app, "--json"]).stdout))
        #expect(ended.first { $0.id == long }?.running == nil)

        // `cron run` streams while the job runs; `apps destroy` stops the run (and the stream says how it ended).
        let streaming = try BackgroundProgram(
            daemon.bin + "/dokuen", ["cron", "run", app, long, "--root", daemon.root],
            environment: ["PATH": "/usr/bin:/bin", "HOME": daemon.temp.path])
        defer { streaming.stop() }
        try wait(daemon, "cron run streamed the job's first line", seconds: 10) {
            streaming.standardOutput.contains("long pid ")
        }
        let streamedPID = try #require(
            streaming.standardOutput.split(separator: "\n").first.flatMap { Int32($0.dropFirst(9)) })
        longPID = streamedPID
        #expect(alive(streamedPID))
        let destroyed = try daemon.dokuen(["apps", "destroy", app, "--confirm", app])
        #expect(destroyed.status == .exited(0), "\(destroyed.standardError)")
        #expect(!alive(streamedPID))
        #expect((try Posix.lstat(daemon.root + "/run/cron/\(app)")) == nil)
        #expect(try streaming.wait(milliseconds: 10_000) == .exited(128 + SIGTERM), "\(streaming.standardError)")
    }

    /// Whether `pid` names a process (kill(2) with signal 0).
    func alive(_ pid: Int32) -> Bool { (try? Posix.kill(pid, 0)) == true }

    /// The parent pid of `pid` (field 4 of /proc/PID/stat).
    func parent(of pid: Int32) -> Int32? {
        guard let stat = try? Posix.readFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: stat, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// The argv of `pid`.
    func command(of pid: Int32) -> [String] {
        ((try? Posix.readFile("/proc/\(pid)/cmdline")) ?? []).split(separator: 0).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// `@reboot` runs when dokuend starts, never at a deploy; after dokuend was killed and started again, the schedule
    /// goes on (what it missed while down is not made up).
    @Test func rebootJobsRunAtStartAndTheScheduleResumes() throws {
        let daemon = try DaemonHarness(label: "cron-restart")
        defer { daemon.stop() }
        let app = "cron-boot"
        let json = """
            {"cron": [{"command": "echo booted", "schedule": "@reboot"},
                      {"command": "echo tick", "schedule": "* * * * *"}]}
            """
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", app, try source(daemon, app, appJSON: json)])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let jobs = try JSONDecoder().decode(
            [CronJobStatus].self, from: Data(try daemon.dokuen(["cron", "list", app, "--json"]).stdout))
        try #require(jobs.count == 2)
        let (boot, tick) = (jobs[0].id, jobs[1].id)
        #expect(jobs[0].next == nil)
        // Not at the deploy.
        #expect(log(daemon, app, boot).isEmpty)

        try daemon.restart()
        try wait(daemon, "the @reboot job ran", seconds: 10) { log(daemon, app, boot).contains("--- exit 0") }
        #expect(log(daemon, app, boot).contains("(reboot): echo booted\nbooted\n"))
        try wait(daemon, "the tick job ran after the restart", seconds: 75) {
            log(daemon, app, tick).contains("--- exit 0")
        }
        // Once each: the @reboot job only at the start, the tick once for its minute.
        #expect(log(daemon, app, boot).components(separatedBy: "--- exit 0").count == 2)
        #expect(log(daemon, app, tick).components(separatedBy: "(schedule): echo tick").count == 2)
    }

    @Test(arguments: [
        ("61 * * * *", "cron[0].schedule: invalid cron schedule \"61 * * * *\": minute field \"61\""),
        ("* * *", "cron[0].schedule: invalid cron schedule \"* * *\": expected 5 fields"),
    ])
    func aScheduleThatCannotParseFailsTheDeploy(_ schedule: String, _ message: String) throws {
        let daemon = try DaemonHarness(label: "cron-bad")
        defer { daemon.stop() }
        let app = "cron-bad"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        let json = "{\"cron\": [{\"command\": \"true\", \"schedule\": \"\(schedule)\"}]}"
        let deployed = try daemon.dokuen(["deploy", app, try source(daemon, app, appJSON: json)])
        #expect(deployed.status != .exited(0))
        #expect(deployed.standardError.contains(message), "\(deployed.standardError)")
        let releases = try daemon.dokuen(["releases", app, "--json"])
        #expect(releases.status == .exited(0), "\(releases.standardError)")
        #expect(releases.standardOutput.filter { !$0.isWhitespace } == "[]")
        // Without a release there are no jobs; a malformed or unknown id is refused by name.
        #expect(
            try daemon.dokuen(["cron", "list", app]).standardOutput
                == "\(app) has no cron jobs (its current release's app.json has no \"cron\" entries)\n")
        let malformed = try daemon.dokuen(["cron", "run", app, "../etc"])
        #expect(malformed.status != .exited(0))
        #expect(malformed.standardError.contains("invalid cron job \"../etc\": a job id is 8 hex digits"))
        let unknown = try daemon.dokuen(["cron", "suspend", app, "0000abcd"])
        #expect(unknown.status != .exited(0))
        #expect(
            unknown.standardError.contains(
                "unable to find cron job 0000abcd of \(app): its current release has no cron jobs"),
            "\(unknown.standardError)")
    }
}
