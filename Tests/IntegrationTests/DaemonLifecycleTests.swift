import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// dokuend talks to a (stand-in) systemd through the real libsystemd: READY=1 with a STATUS line once the root and
/// the store are ready, WATCHDOG=1 when a watchdog is armed, STOPPING=1 on SIGTERM, and a clean exit.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DaemonLifecycleTests {
    let bin = builtProductsDirectory()

    func environment(root: String, extra: [String: String] = [:]) -> [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": root].merging(extra) { _, new in new }
    }

    @Test func notifiesReadyWatchdogAndStopping() throws {
        let temp = try TemporaryDirectory("daemon")
        defer { temp.remove() }
        let notify = try NotifySocket(path: temp("notify"))
        let daemon = try BackgroundProgram(
            bin + "/dokuend", ["--root", temp("root")],
            environment: environment(root: temp.path, extra: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"]))
        defer { daemon.stop() }

        let ready = try #require(try notify.waitFor("READY=1"), "no READY=1; stderr: \(daemon.standardError)")
        #expect(ready.contains("STATUS=Serving root \(temp("root")), 0 apps"))
        #expect(try Posix.lstat(temp("root/dokuen.sqlite")) != nil)
        #expect(try Posix.readFile(temp("root/run/dokuend.pid")) == Array("\(daemon.child.pid)\n".utf8))
        #expect(try notify.waitFor("WATCHDOG=1", milliseconds: 5_000) != nil)
        #expect(try notify.waitFor("WATCHDOG=1", milliseconds: 5_000) != nil, "the watchdog keeps being fed")

        try daemon.signal(SIGTERM)
        #expect(try notify.waitFor("STOPPING=1") != nil)
        #expect(try daemon.wait(milliseconds: 30_000) == .exited(0))
        #expect(try Posix.lstat(temp("root/run/dokuend.pid")) == nil)
        #expect(daemon.standardError.contains("apps keep running"))
    }

    /// SIGHUP must not stop the daemon (nothing to reload yet); SIGINT does.
    @Test func hangupDoesNotStopTheDaemon() throws {
        let temp = try TemporaryDirectory("daemon")
        defer { temp.remove() }
        let notify = try NotifySocket(path: temp("notify"))
        let daemon = try BackgroundProgram(
            bin + "/dokuend", ["--root", temp("root")],
            environment: environment(root: temp.path, extra: ["NOTIFY_SOCKET": notify.path]))
        defer { daemon.stop() }
        #expect(try notify.waitFor("READY=1") != nil)
        try daemon.signal(SIGHUP)
        #expect(try daemon.wait(milliseconds: 500) == nil, "still running after SIGHUP")
        try daemon.signal(SIGINT)
        #expect(try daemon.wait(milliseconds: 30_000) == .exited(0))
    }

    /// Socket activation through sd_listen_fds: `sh` puts an fd at 3 and execs dokuend with LISTEN_PID = its pid.
    @Test func countsActivationSockets() throws {
        let temp = try TemporaryDirectory("daemon")
        defer { temp.remove() }
        let notify = try NotifySocket(path: temp("notify"))
        let script = "exec 3</dev/null; LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" --root \"$1\""
        let daemon = try BackgroundProgram(
            "/bin/sh", ["-c", script, bin + "/dokuend", temp("root")],
            environment: environment(root: temp.path, extra: ["NOTIFY_SOCKET": notify.path]))
        defer { daemon.stop() }
        #expect(try notify.waitFor("READY=1") != nil)
        #expect(daemon.standardError.contains("1 activation socket(s)"), "\(daemon.standardError)")
    }

    /// One writer: a second daemon on the same root refuses to start and says why.
    @Test func secondDaemonOnTheSameRootIsRefused() throws {
        let temp = try TemporaryDirectory("daemon")
        defer { temp.remove() }
        let notify = try NotifySocket(path: temp("notify"))
        let first = try BackgroundProgram(
            bin + "/dokuend", ["--root", temp("root")],
            environment: environment(root: temp.path, extra: ["NOTIFY_SOCKET": notify.path]))
        defer { first.stop() }
        #expect(try notify.waitFor("READY=1") != nil)

        let second = try runProgram(
            bin + "/dokuend", ["--root", temp("root")], environment: environment(root: temp.path))
        #expect(second.status == .exited(1))
        #expect(second.standardError.hasPrefix("dokuend: error: "), "\(second.standardError)")
        #expect(second.standardError.contains("dokuen.sqlite.lock"), "\(second.standardError)")
        #expect(try first.wait(milliseconds: 0) == nil, "the first daemon is unaffected")
    }
}
