import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct ChildProcessTests {
    /// A child starts with no blocked signals even when spawned from a Swift pool thread (docs/STACK-NOTES.md §1.5),
    /// in its own process group.
    @Test func childHasAnEmptySignalMaskAndItsOwnGroup() throws {
        let result = try runProgram("/bin/sh", ["-c", "grep SigBlk /proc/self/status; ps -o pgid= -p $$; echo $$"])
        let lines = result.standardOutput.split(separator: "\n").map { $0.trimmingCharacters() }
        #expect(lines.first == "SigBlk: 0000000000000000")
        #expect(lines[1] == lines[2], "pgid equals the child's pid")
    }

    /// A signal the parent ignores or blocks is neither ignored nor blocked in the child: SIGUSR2 and two realtime
    /// signals (glibc's own 32 and 33 need the raw call, which the spawner makes for 1–64).
    @Test func signalsIgnoredOrBlockedInTheParentAreResetInTheChild() throws {
        let signals: [Int32] = [SIGUSR2, 34, 40]
        let previous = signals.map { signal($0, SIG_IGN) }
        var blocked = sigset_t()
        var saved = sigset_t()
        sigemptyset(&blocked)
        for number in signals { sigaddset(&blocked, number) }
        pthread_sigmask(SIG_BLOCK, &blocked, &saved)
        defer {
            pthread_sigmask(SIG_SETMASK, &saved, nil)
            for (number, handler) in zip(signals, previous) { signal(number, handler) }
        }
        // The parent's side really is set, or the test proves nothing.
        let own = String(decoding: try Posix.readFile("/proc/thread-self/status"), as: UTF8.self)
        let mask: UInt64 = 0x80_0000_0800 | 1 << 33  // bits 11, 33 and 39: SIGUSR2, 34, 40
        #expect(signalMask("SigBlk", in: own) & mask == mask, "\(own)")
        #expect(signalMask("SigIgn", in: own) & mask == mask, "\(own)")

        let result = try runProgram("/bin/grep", ["-E", "^Sig(Ign|Blk)", "/proc/self/status"])
        #expect(result.standardOutput == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
    }

    /// The child starts at niceness 0 whatever the calling thread's (a thread of the concurrency pool runs at -2),
    /// as the shim's children do.
    @Test func childStartsAtNicenessZeroWhateverTheThreadRunsAt() throws {
        // On Linux, PRIO_PROCESS with 0 reads and sets the calling thread (setpriority(2), BUGS).
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let own = getpriority(which, 0)
        try #require(errno == 0 && setpriority(which, 0, 3) == 0)
        defer { setpriority(which, 0, own) }
        let result = try runProgram("/bin/sh", ["-c", "cut -d ' ' -f 19 /proc/self/stat"])
        #expect(result.standardOutput == "0\n")
    }

    /// Without a pidfd, a timed wait checks until its deadline: nil while the child is held (it reads a pipe this
    /// test keeps open), its status once it has exited, however late within the timeout.
    @Test func aWaitWithoutAPidfdChecksUntilTheDeadline() throws {
        let pipe = try Posix.pipe()
        let null = try Posix.open("/dev/null", .readWrite)
        defer { Posix.close(null) }
        let child = try ChildProcess.spawn(
            "/bin/sh", arguments: ["-c", "read line; exit 3"], environment: [:], stdin: pipe.read, stdout: null,
            stderr: null)
        Posix.close(pipe.read)
        #expect(try child.waitByChecking(milliseconds: 30) == nil)
        try Posix.writeAll(pipe.write, Array("go\n".utf8))
        Posix.close(pipe.write)
        #expect(try child.waitByChecking(milliseconds: 60_000) == .exited(3))
    }

    @Test func aMissingProgramIsAnErrorNotACrash() {
        #expect(throws: PosixError("start", path: "/nonexistent/program", errno: ENOENT)) {
            try ChildProcess.spawn(
                "/nonexistent/program", arguments: [], environment: [:], stdin: 0, stdout: 1, stderr: 2)
        }
    }

    @Test func exitStatusesAreDecoded() throws {
        #expect(try runProgram("/bin/sh", ["-c", "exit 7"]).status == .exited(7))
        #expect(try runProgram("/bin/sh", ["-c", "kill -TERM $$"]).status == .signaled(SIGTERM))
    }

    /// A program past its deadline is killed with its whole group, grandchildren included.
    @Test func deadlineKillsTheWholeGroup() throws {
        let temp = try TemporaryDirectory("child")
        defer { temp.remove() }
        #expect(throws: ProgramRunError.self) {
            try runProgram("/bin/sh", ["-c", "sleep 60 & echo $! > \(temp("grandchild")); wait"], deadlineSeconds: 1)
        }
        let grandchild = try #require(
            Int32(String(decoding: try Posix.readFile(temp("grandchild")), as: UTF8.self).trimmingCharacters()))
        // SIGKILL went to the whole group: the grandchild exits too (a pidfd tells us when, without polling).
        #expect(try Posix.waitForExit(pid: grandchild, milliseconds: 10_000), "grandchild \(grandchild) survived")
    }
}

/// The hexadecimal mask of a `Sig…:` line of /proc/PID/status, 0 when there is none.
private func signalMask(_ key: String, in status: String) -> UInt64 {
    for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
        return UInt64(line.dropFirst(key.count + 1).trimmingCharacters(), radix: 16) ?? 0
    }
    return 0
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}
