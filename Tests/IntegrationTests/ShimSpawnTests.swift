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
            command: ["/bin/sh", "-c", "ls /proc/$$/fd | tr '\\n' ' '"],
            launcher: "ulimit -n 64; exec 9</dev/null")
        defer { shim.stop() }
        let exited = try #require(try shim.waitFor(.exited), "\(shim.transcript)")
        #expect(exited.error == "")
        #expect(exited.lastExit == .code(0))
        #expect(try shim.log() == "0 1 2 7 \n")
    }
}
