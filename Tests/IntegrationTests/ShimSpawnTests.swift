import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

/// What the child gets: fds 0–2 only (plus the readiness fd when asked for), whatever the shim inherited, and a
/// start that works under a low open-files limit (a fixed high fd number once made every start fail with EINVAL).
@Suite(.timeLimit(.minutes(2))) struct ShimSpawnTests {
    @Test func theChildGetsOnlyItsOwnFDsUnderALowFDLimit() throws {
        let shim = try ShimHarness(
            ["--restart", "never", "--ready-fd", "7"],
            // No pipeline: a shell holds the pipe's fds for a moment after forking, so `ls | tr` raced.
            command: ["/bin/sh", "-c", "ls /proc/$$/fd"],
            launcher: "ulimit -n 64; exec 9</dev/null")
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.error == "")
        #expect(exited.lastExit == .code(0))
        let logged = try shim.log()
        #expect(logged == "0\n1\n2\n7\n", "\(logged)")
    }
}
