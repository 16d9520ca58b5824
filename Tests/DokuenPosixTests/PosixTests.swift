import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AtomicFileTests {
    @Test func writesReplacesAndSetsTheMode() throws {
        let temp = try TemporaryDirectory("atomic")
        defer { temp.remove() }
        try AtomicFile.write(Array("one".utf8), to: temp("f"), mode: 0o600)
        try AtomicFile.write(Array("two".utf8), to: temp("f"), mode: 0o640)
        #expect(try Posix.readFile(temp("f")) == Array("two".utf8))
        #expect(try #require(try Posix.lstat(temp("f"))).st_mode & 0o777 == 0o640)
        #expect(try Posix.listDirectory(temp.path) == ["f"], "no temp file is left behind")
    }

    @Test func failureNamesTheCallAndPath() throws {
        do {
            try AtomicFile.write([1], to: "/nonexistent-dir/f")
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(
                error.description
                    == "unable to open /nonexistent-dir/.f.tmp.\(Posix.getpid()): No such file or directory")
        }
    }
}

@Suite struct FileLockTests {
    @Test func isExclusiveAndReleasedWithItsOwner() throws {
        let temp = try TemporaryDirectory("lock")
        defer { temp.remove() }
        #expect(try FileLock.isHeld(temp("lock")) == false)
        var first = try FileLock.tryAcquire(temp("lock"))
        #expect(first != nil)
        #expect(try FileLock.isHeld(temp("lock")))
        #expect(try FileLock.tryAcquire(temp("lock")) == nil)
        first = nil
        #expect(try FileLock.isHeld(temp("lock")) == false)
        #expect(try FileLock.tryAcquire(temp("lock")) != nil)
    }

    /// The lock is seen by other processes: flock(1) cannot take it while we hold it.
    @Test func isSeenByAnotherProcess() throws {
        let temp = try TemporaryDirectory("lock")
        defer { temp.remove() }
        let flock = try #require(which("flock"))
        let lock = try #require(try FileLock.tryAcquire(temp("lock")))
        #expect(try runProgram(flock, ["--nonblock", temp("lock"), "true"]).status == .exited(1))
        _ = lock
    }
}

@Suite struct ChildProcessTests {
    /// A child starts with no blocked signals even when spawned from a Swift pool thread (SWIFT-NOTES.md §1.5),
    /// in its own process group.
    @Test func childHasAnEmptySignalMaskAndItsOwnGroup() throws {
        let result = try runProgram("/bin/sh", ["-c", "grep SigBlk /proc/self/status; ps -o pgid= -p $$; echo $$"])
        let lines = result.standardOutput.split(separator: "\n").map { $0.trimmingCharacters() }
        #expect(lines.first == "SigBlk: 0000000000000000")
        #expect(lines[1] == lines[2], "pgid equals the child's pid")
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
        // The grandchild is dead (perhaps a zombie for an instant until init reaps it): it never runs again.
        var state = "gone"
        if let stat = try? Posix.readFile("/proc/\(grandchild)/stat") {
            state = String(
                String(decoding: stat, as: UTF8.self).split(separator: ")").last!.split(separator: " ").first!)
        }
        #expect(state == "gone" || state == "Z", "grandchild \(grandchild) is \(state)")
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}
