import DokuenPosix
import DokuenSupervision
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping tears down the whole process group; the child never outlives its shim; the shim outlives its starter.
@Suite(.timeLimit(.minutes(2))) struct ShimTeardownTests {
    /// A child that ignores SIGTERM and has two grandchildren that ignore it too.
    static let stubborn = """
        trap '' TERM
        (trap '' TERM; exec sleep 1000) & echo $! >> "$WORK/pids"
        (trap '' TERM; sleep 1000; true) & echo $! >> "$WORK/pids"
        echo $$ >> "$WORK/pids"
        echo ready
        wait; wait; sleep 1000
        """

    func pids(_ shim: ShimHarness) throws -> [Int32] {
        String(decoding: try Posix.readFile(shim.temp("pids")), as: UTF8.self).split(separator: "\n").compactMap {
            Int32($0)
        }
    }

    @Test func stopKillsTheWholeGroupAfterTheTimeout() throws {
        let shim = try ShimHarness(
            ["--stop-timeout", "1000", "--startsecs", "300"], command: ["/bin/sh", "-c", Self.stubborn])
        defer { shim.stop() }
        let running = try #require(try shim.waitFor(.running))
        let group = running.pgid
        #expect(try pids(shim).count == 3)

        #expect(try shim.control("d").status == .exited(0))
        // Within the stop timeout plus one second (the deadline of this await), everything is gone.
        let stopped = try #require(try shim.waitFor(milliseconds: 2_000) { $0.state == .stopped }, "\(shim.transcript)")
        #expect(stopped.pid == 0 && stopped.pgid == 0)
        #expect(stopped.lastExit == .signal(SIGKILL), "SIGTERM was ignored, so SIGKILL ended it")
        for pid in try pids(shim) { #expect(!isAlive(pid), "process \(pid) survived") }
        #expect(try Posix.kill(-group, 0) == false, "the process group is empty")
        #expect(isAlive(shim.shim.child.pid), "the shim waits for `u`")
    }

    @Test func killingTheShimKillsItsChild() throws {
        let shim = try ShimHarness(["--startsecs", "200"], command: ["/bin/sh", "-c", Self.stubborn])
        defer { shim.stop() }
        let running = try #require(try shim.waitFor(.running))
        try Posix.kill(shim.shim.child.pid, SIGKILL)
        #expect(try Posix.waitForExit(pid: running.pid, milliseconds: 5_000), "PDEATHSIG ended the child")
    }

    @Test func theShimOutlivesTheProcessThatStartedIt() throws {
        let temp = try TemporaryDirectory("orphan")
        defer { temp.remove() }
        let shimPath = builtProductsDirectory() + "/dokuen-shim"
        // A starter that launches the shim in its own session, waits until it is up, prints its pid and exits.
        let starter = try runProgram(
            "/bin/sh",
            [
                "-c",
                "setsid \"$0\" run --dir \"$1\" --startsecs 100 -- sleep 1000 </dev/null >/dev/null 2>&1 & "
                    + "while [ ! -e \"$1/status\" ]; do sleep 0.01; done; echo $!",
                shimPath, temp("svc"),
            ])
        let shimPID = try #require(Int32(starter.standardOutput.split(separator: "\n").first ?? ""))
        defer {
            if let record = StatusRecord(
                decoding: String(decoding: (try? Posix.readFile(temp("svc/status"))) ?? [], as: UTF8.self))
            {
                if record.pgid > 0 { _ = try? Posix.kill(-record.pgid, SIGKILL) }
            }
            _ = try? Posix.kill(shimPID, SIGKILL)
        }
        #expect(starter.status == .exited(0))
        #expect(try Posix.waitForExit(pid: shimPID, milliseconds: 500) == false, "the shim is still running")
        #expect(isAlive(shimPID))
        let control = try runProgram(shimPath, ["ctl", temp("svc"), "x"])
        #expect(control.status == .exited(0))
        #expect(try Posix.waitForExit(pid: shimPID, milliseconds: 10_000), "x stops the child and the shim")
    }

    @Test(.enabled(if: geteuid() == 0, "dropping privileges needs root"))
    func runsTheChildAsTheGivenUser() throws {
        let shim = try ShimHarness(
            ["--user", "nobody", "--startsecs", "200", "--cwd", "/"],
            command: ["/bin/sh", "-c", "echo uid=$(id -u) gid=$(id -g); exec sleep 1000"])
        defer { shim.stop() }
        let running = try #require(try shim.waitFor(.running))
        #expect(try shim.log() == "uid=65534 gid=65534\n")
        try Posix.kill(shim.shim.child.pid, SIGKILL)
        #expect(try Posix.waitForExit(pid: running.pid, milliseconds: 5_000), "PDEATHSIG survives the drop to nobody")
    }

    @Test func aSecondShimOnTheSameDirectoryIsRefused() throws {
        let shim = try ShimHarness([], command: ["sleep", "1000"])
        defer { shim.stop() }
        _ = try #require(try shim.waitFor(.running))
        let second = try runProgram(
            builtProductsDirectory() + "/dokuen-shim", ["run", "--dir", shim.directory, "--", "sleep", "1"])
        #expect(second.status == .exited(1))
        #expect(
            second.standardError
                == "dokuen-shim: error: \(shim.directory) is already supervised by another shim (pid \(shim.shim.child.pid))\n"
        )
    }

    @Test func controlWithoutAShimSaysSo() throws {
        let temp = try TemporaryDirectory("ctl")
        defer { temp.remove() }
        let result = try runProgram(builtProductsDirectory() + "/dokuen-shim", ["ctl", temp.path, "u"])
        #expect(result.status == .exited(1))
        #expect(result.standardError.contains("unable to send 'u'"))
        let usage = try runProgram(builtProductsDirectory() + "/dokuen-shim", ["ctl", temp.path, "bogus"])
        #expect(usage.status == .exited(64))
    }

    /// Events are best effort: with nobody listening on the events socket the shim runs and stops as usual.
    @Test func eventsWithNobodyListeningDoNotMatter() throws {
        let temp = try TemporaryDirectory("events")
        defer { temp.remove() }
        let python = try #require(which("python3"))
        let started = try NotifySocket(path: temp("started"))
        try AtomicFile.write([], to: temp("nobody.sock"))  // a plain file where the socket should be: sends fail
        let shimPath = builtProductsDirectory() + "/dokuen-shim"
        // The child tells the test it runs (so the shim is up), then becomes `sleep`.
        let child =
            "import os,socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'up', '\(temp("started"))'); "
            + "os.execv('/bin/sleep', ['sleep', '1000'])"
        let shim = try BackgroundProgram(
            shimPath, ["run", "--dir", temp("svc"), "--events", temp("nobody.sock"), "--", python, "-c", child],
            environment: ["PATH": "/usr/bin:/bin"])
        defer { shim.stop() }
        #expect(try started.receive(milliseconds: 20_000) == "up")
        #expect(try runProgram(shimPath, ["ctl", temp("svc"), "r"]).status == .exited(0))
        #expect(try runProgram(shimPath, ["ctl", temp("svc"), "x"]).status == .exited(0))
        #expect(try shim.wait(milliseconds: 30_000) == .exited(0))
    }
}
