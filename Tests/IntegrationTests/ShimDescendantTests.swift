import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// No process escapes its instance (issue 12): a descendant that left the process group (setsid, a double fork)
/// is still in the shim's tree, and a stop, an exit of the shim or a restart after a crash ends it too. Each test
/// sleeps for its own number of seconds, so that it finds its own processes in /proc and nobody else's.
@Suite(.timeLimit(.minutes(1))) struct ShimDescendantTests {
    /// The worker of the issue: its main process and both sleeps ignore SIGTERM, and `sleep FIRST` has its own
    /// session, so that only the shim's tree still holds it.
    static func setsidWorker(_ first: Int, _ second: Int) -> [String] {
        ["/bin/sh", "-c", "trap '' TERM; setsid sleep \(first) & sleep \(second) & wait"]
    }

    @Test func downEndsADescendantThatLeftTheGroup() throws {
        let sleeps = ["sleep 7101", "sleep 7102"]
        defer { killProcesses(sleeps) }
        let shim = try ShimHarness(
            ["--stop-timeout", "500", "--startsecs", "100"], command: Self.setsidWorker(7101, 7102))
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.running), "\(shim.transcript)")
        #expect(awaitProcesses(sleeps))

        #expect(try shim.control("d").status == .exited(0))
        let stopped = try #require(try shim.waitFor(milliseconds: 5_000) { $0.state == .stopped }, "\(shim.transcript)")
        #expect(stopped.lastExit == .signal(SIGKILL), "SIGTERM was ignored, so SIGKILL ended it")
        #expect(stopped.error == "")
        for line in sleeps { #expect(pids(commandLine: line) == [], "\(line) survived the stop") }
        #expect(isAlive(shim.shim.child.pid), "the shim waits for `u`")
    }

    @Test func exitOfTheShimLeavesNothing() throws {
        let sleeps = ["sleep 7111", "sleep 7112"]
        defer { killProcesses(sleeps) }
        let shim = try ShimHarness(
            ["--stop-timeout", "500", "--startsecs", "100"], command: Self.setsidWorker(7111, 7112))
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.running), "\(shim.transcript)")
        #expect(awaitProcesses(sleeps))

        #expect(try shim.control("x").status == .exited(0))
        #expect(try shim.shim.wait(milliseconds: 10_000) == .exited(0))
        for line in sleeps { #expect(pids(commandLine: line) == [], "\(line) outlived the shim") }
    }

    /// A daemon that double-forks into its own session does not ignore SIGTERM: the stop signal reaches it.
    @Test func stopEndsADoubleForkedDaemon() throws {
        let sleeps = ["sleep 7103", "sleep 7104"]
        defer { killProcesses(sleeps) }
        let shim = try ShimHarness(
            ["--stop-timeout", "20000", "--startsecs", "100"],
            command: ["/bin/sh", "-c", "(setsid sh -c 'sleep 7103 &' &); exec sleep 7104"])
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.running), "\(shim.transcript)")
        #expect(awaitProcesses(sleeps))

        #expect(try shim.control("d").status == .exited(0))
        // Well before the stop timeout: SIGTERM alone ended both.
        let stopped = try #require(try shim.waitFor(milliseconds: 5_000) { $0.state == .stopped }, "\(shim.transcript)")
        #expect(stopped.lastExit == .signal(SIGTERM))
        for line in sleeps { #expect(pids(commandLine: line) == [], "\(line) survived the stop") }
    }

    /// The main process dies on its own while a descendant it setsid'd runs on: the leftover is killed before the
    /// restart, so each run starts alone (systemd's KillMode=control-group, not runit's or s6's leave-it-be).
    @Test func aRestartAfterACrashLeavesNoLeftovers() throws {
        let sleeps = ["sleep 7121", "sleep 7122"]
        defer { killProcesses(sleeps) }
        let shim = try ShimHarness(
            ["--stop-timeout", "500", "--startsecs", "100"],
            command: ["/bin/sh", "-c", "trap '' TERM; setsid sleep 7121 & exec sleep 7122"])
        defer { shim.stop() }
        let first = try #require(try shim.waitFor(.running), "\(shim.transcript)")
        #expect(awaitProcesses(sleeps))
        let leftover = try #require(pids(commandLine: "sleep 7121").first)
        shim.clearTranscript()

        #expect(try shim.control("k").status == .exited(0))  // SIGKILL to the main process only: a crash
        let second = try #require(
            try shim.waitFor { $0.state == .running && $0.pid != first.pid }, "\(shim.transcript)")
        #expect(second.restarts == 1)
        #expect(second.lastExit == .signal(SIGKILL))
        #expect(try Posix.waitForExit(pid: leftover, milliseconds: 5_000), "the previous run's descendant is gone")

        #expect(try shim.control("x").status == .exited(0))
        #expect(try shim.shim.wait(milliseconds: 10_000) == .exited(0))
        for line in sleeps { #expect(pids(commandLine: line) == [], "\(line) outlived the shim") }
    }
}
