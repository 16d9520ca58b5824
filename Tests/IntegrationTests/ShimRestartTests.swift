import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Crash → restart: immediate the first time, then exponential delays up to the cap, FATAL after N fast failures,
/// and a reset once a run has been stable.
@Suite(.timeLimit(.minutes(2))) struct ShimRestartTests {
    @Test func crashesBackOffExponentiallyThenGoFatal() throws {
        let shim = try ShimHarness(
            ["--backoff", "100", "--backoff-max", "400", "--fatal-after", "6", "--fatal-retry", "600000"],
            command: ["/bin/sh", "-c", "echo started; exit 1"])
        defer { shim.stop() }
        let fatal = try #require(try shim.waitFor(.fatal), "never reached FATAL")
        #expect(fatal.restarts == 5)
        #expect(fatal.lastExit == .code(1))
        #expect(fatal.nextTryMilliseconds - fatal.sinceMilliseconds == 600_000, "the slow retry is scheduled")

        // The first restart is immediate: restarts goes to 1 with no BACKOFF in between. (A state is announced again
        // when other fields change, e.g. the pid once spawned: keep each (state, restarts) once.)
        var states: [String] = []
        var delays: [Int64] = []
        for record in shim.transcript where states.last != "\(record.state.name)/\(record.restarts)" {
            states.append("\(record.state.name)/\(record.restarts)")
            if record.state == .backoff { delays.append(record.nextTryMilliseconds - record.sinceMilliseconds) }
        }
        #expect(Array(states.prefix(2)) == ["STARTING/0", "STARTING/1"], "\(states)")
        // Then each BACKOFF waits twice as long as the one before, up to the cap.
        #expect(delays == [100, 200, 400, 400], "\(states)")
        #expect(try shim.log().split(separator: "\n").count == 6)
        #expect(isAlive(shim.shim.child.pid), "the shim itself never gives up")
    }

    @Test func aStableRunResetsTheBackoff() throws {
        // Fails twice, then stays up; startsecs (600 ms) > stable-after (300 ms), so RUNNING means "stable".
        let script = """
            n=$(cat "$WORK/count" 2>/dev/null || echo 0); echo $((n + 1)) > "$WORK/count"
            [ "$n" -ge 2 ] && exec sleep 1000
            exit 3
            """
        let shim = try ShimHarness(
            ["--backoff", "100", "--stable-after", "300", "--startsecs", "600"], command: ["/bin/sh", "-c", script])
        defer { shim.stop() }
        let running = try #require(try shim.waitFor(.running))
        #expect(running.restarts == 2)
        #expect(shim.transcript.contains { $0.state == .backoff }, "the second failure backed off")

        shim.clearTranscript()
        #expect(try shim.control("k").status == .exited(0))
        let restarted = try #require(try shim.waitFor { $0.restarts == 3 })
        #expect(restarted.state == .starting)
        #expect(restarted.lastExit == .signal(SIGKILL))
        #expect(!shim.transcript.contains { $0.state == .backoff }, "after a stable run the restart is immediate")
    }

    @Test func onFailureAcceptsItsExitCodesAndNeverDoesNotRestart() throws {
        let ok = try ShimHarness(
            ["--restart", "on-failure", "--ok-exit", "0,7"], command: ["/bin/sh", "-c", "exit 7"])
        defer { ok.stop() }
        let exited = try #require(try ok.waitFor(.exited))
        #expect(exited.lastExit == .code(7))
        #expect(exited.restarts == 0)

        let never = try ShimHarness(["--restart", "never"], command: ["/bin/sh", "-c", "exit 1"])
        defer { never.stop() }
        #expect(try never.waitFor(.exited)?.restarts == 0)
    }

    /// A program that cannot be started is reported in `status`; the shim keeps going.
    @Test func execFailureGoesIntoStatus() throws {
        let shim = try ShimHarness(["--backoff", "60000"], command: ["/nonexistent/program"])
        defer { shim.stop() }
        let backoff = try #require(try shim.waitFor(.backoff))
        #expect(backoff.error == "execve /nonexistent/program: No such file or directory")
        #expect(backoff.pid == 0)

        let missing = try ShimHarness(["--backoff", "60000"], command: ["no-such-program-anywhere"], label: "shim2")
        defer { missing.stop() }
        let record = try #require(try missing.waitFor(.backoff))
        #expect(record.error.hasPrefix("unable to find no-such-program-anywhere in PATH"))
        #expect(isAlive(missing.shim.child.pid))
    }
}
