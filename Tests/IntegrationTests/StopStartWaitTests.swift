import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen stop` and `start` return once what they asked for happened (issue 15): stop once the instance's process
/// is gone from /proc, start once it is RUNNING, a crash on start is an error, `--no-wait` returns at once and
/// `--timeout` gives up. The worker ignores SIGTERM for 3 s (its trap sleeps first), so its stop takes visible time.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StopStartWaitTests {
    static let procfile = """
        worker: trap 'sleep 3; exit 0' TERM; sleep 600 & wait
        crash: echo crashing; exit 3

        """

    /// blog deployed with one worker (stop timeout 20 s, so no SIGKILL cuts its trap short), RUNNING; its pid.
    func deploy(_ daemon: DaemonHarness) throws -> Int32 {
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        #expect(try daemon.dokuen(["ps", "set", "blog", "worker", "stop_timeout=20"]).status == .exited(0))
        let deploy = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deploy.status == .exited(0), "\(deploy.standardError)")
        let running = try daemon.waitUntil("worker.1 RUNNING") { statuses in
            statuses.contains { $0.type == "worker" && $0.state == "RUNNING" && $0.pid != nil }
        }
        return try #require(running.first { $0.type == "worker" }?.pid)
    }

    static func alive(_ pid: Int32) -> Bool { Posix.exists("/proc/\(pid)") }

    @Test func stopReturnsOnceTheProcessIsGoneAndStartOnceItRuns() throws {
        let daemon = try DaemonHarness(label: "stopwait")
        defer { daemon.stop() }
        let pid = try deploy(daemon)

        let stop = try daemon.dokuen(["stop", "blog"])
        #expect(stop.status == .exited(0), "\(stop.standardError)")
        #expect(!Self.alive(pid), "stop returned while pid \(pid) still runs")
        #expect(stop.standardOutput == "Stopped blog\n")
        #expect(
            stop.standardError == "Waiting for blog:worker.1 to stop (stop timeout 20 s)…\n",
            "the stop takes 3 s, past the 2 s of the progress line")
        #expect(try daemon.statuses().allSatisfy { $0.state == "STOPPED" && $0.shimPID == nil })

        let start = try daemon.dokuen(["start", "blog"])
        #expect(start.status == .exited(0), "\(start.standardError)")
        #expect(start.standardOutput == "Started blog\n")
        let now = try daemon.statuses()
        let worker = try #require(now.first { $0.type == "worker" })
        #expect(worker.state == "RUNNING" && worker.pid.map(Self.alive) == true, "start returned before: \(now)")
    }

    @Test func noWaitReturnsAtOnceAndATimeoutSaysWhatStillRuns() throws {
        let daemon = try DaemonHarness(label: "nowait")
        defer { daemon.stop() }
        let pid = try deploy(daemon)

        // --no-wait: back while the worker's trap still holds it (3 s).
        let quick = try daemon.dokuen(["stop", "--no-wait", "blog:worker"])
        #expect(quick.status == .exited(0), "\(quick.standardError)")
        #expect(quick.standardOutput == "Stopping blog:worker\n")
        #expect(Self.alive(pid), "--no-wait waited for the stop")
        #expect(try Posix.waitForExit(pid: pid, milliseconds: 30_000), "the stop goes on without the CLI")
        _ = try daemon.waitUntil("worker.1 gone") { $0.allSatisfy { $0.shimPID == nil } }

        // A start that does not wait: the instance is at most on its way.
        let started = try daemon.dokuen(["start", "--no-wait", "blog:worker.1"])
        #expect(started.standardOutput == "Starting blog:worker.1\n", "\(started.standardError)")
        let again = try daemon.waitUntil("worker.1 RUNNING again") { statuses in
            statuses.contains { $0.type == "worker" && $0.state == "RUNNING" && $0.pid != nil }
        }
        let second = try #require(again.first { $0.type == "worker" }?.pid)

        // A deadline shorter than the stop: the CLI gives up, says what still runs, and exits 1; the stop goes on.
        let late = try daemon.dokuen(["stop", "--timeout", "1", "blog:worker.1"])
        #expect(late.status == .exited(1))
        #expect(
            late.standardError
                == "dokuen: error: unable to stop blog:worker.1: after 1 s, blog:worker.1 (STOPPING, pid \(second)) "
                + "is still running; see dokuen status\n")
        #expect(late.standardOutput == "", "nothing printed as done")
        #expect(try Posix.waitForExit(pid: second, milliseconds: 30_000))

        let badTimeout = try daemon.dokuen(["stop", "--timeout", "0", "blog"])
        #expect(badTimeout.status == .exited(64))
        #expect(
            badTimeout.standardError.hasPrefix(
                "dokuen: error: invalid --timeout \"0\": it takes whole seconds from 1 to 86400\n"))
    }

    @Test func aStartThatCrashesSaysSoAndExits1() throws {
        let daemon = try DaemonHarness(label: "startcrash")
        defer { daemon.stop() }
        _ = try deploy(daemon)
        // The crash type, stopped, then scaled: nothing starts until `start`.
        #expect(try daemon.dokuen(["stop", "blog:crash"]).standardOutput == "Stopped blog:crash\n")
        #expect(try daemon.dokuen(["ps", "scale", "blog", "crash=1"]).status == .exited(0))
        let start = try daemon.dokuen(["start", "blog:crash"])
        #expect(start.status == .exited(1))
        #expect(
            start.standardError.hasPrefix("dokuen: error: unable to start blog:crash: blog:crash.1 is "),
            "\(start.standardError)")
        #expect(start.standardError.contains("last exit code 3; see dokuen logs blog\n"), "\(start.standardError)")
        #expect(start.standardOutput == "")
    }
}
