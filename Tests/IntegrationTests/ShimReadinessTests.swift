import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// STARTING until ready, then RUNNING: by startsecs, by a notification fd, by `READY=1` on `$NOTIFY_SOCKET`, and
/// by a port that accepts.
@Suite(.timeLimit(.minutes(2))) struct ShimReadinessTests {
    /// The child waits until the test creates `$WORK/go`, then signals readiness with `signal`.
    static func gated(_ signal: String) -> [String] {
        ["/bin/sh", "-c", "while [ ! -e \"$WORK/go\" ]; do sleep 0.02; done; \(signal); exec sleep 1000"]
    }

    func proveGated(_ shim: ShimHarness) throws {
        let starting = try #require(try shim.waitFor(.starting))
        #expect(starting.ready == false)
        #expect(try shim.status()?.state == .starting, "not ready before the child says so")
        try AtomicFile.write([], to: shim.temp("go"))
        let running = try #require(try shim.waitFor(.running), "\(shim.transcript)")
        #expect(running.ready)
        #expect(running.pid > 0)
    }

    @Test func readyAfterStartsecs() throws {
        let shim = try ShimHarness(["--startsecs", "300"], command: ["sleep", "1000"])
        defer { shim.stop() }
        let starting = try #require(try shim.waitFor(.starting))
        let running = try #require(try shim.waitFor(.running))
        #expect(running.sinceMilliseconds - starting.sinceMilliseconds >= 300)
    }

    @Test func readyOnTheNotificationFD() throws {
        let shim = try ShimHarness(["--ready-fd", "5"], command: Self.gated("echo >&5"))
        defer { shim.stop() }
        try proveGated(shim)
    }

    @Test func readyOnTheNotifySocket() throws {
        let python = try #require(which("python3"))
        let notify =
            "\(python) -c 'import os,socket; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
            + "s.sendto(b\"STATUS=warm\\nREADY=1\", os.environ[\"NOTIFY_SOCKET\"])'"
        let shim = try ShimHarness(["--ready-notify"], command: Self.gated(notify))
        defer { shim.stop() }
        try proveGated(shim)
    }

    @Test func readyWhenThePortAccepts() throws {
        let python = try #require(which("python3"))
        let port = freeTCPPort()
        let serve =
            "\(python) -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", \(port))); s.listen(); "
            + "import time; time.sleep(1000)'"
        let shim = try ShimHarness(["--ready-port", "\(port)"], command: Self.gated("exec \(serve)"))
        defer { shim.stop() }
        try proveGated(shim)
    }

    @Test func notReadyInTimeIsAFailedStart() throws {
        let shim = try ShimHarness(
            ["--ready-notify", "--start-timeout", "300", "--backoff", "60000"], command: ["sleep", "1000"])
        defer { shim.stop() }
        let failed = try #require(try shim.waitFor { $0.restarts == 1 })
        #expect(failed.lastExit == .signal(SIGKILL))
        #expect(shim.transcript.contains { $0.error == "not ready after 300 ms" })
    }
}
