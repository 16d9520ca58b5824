import DokuenPosix
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.minutes(2))) struct ChildProcessTests {
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
        // SIGKILL went to the whole group: the grandchild exits too (a pidfd tells us when, without polling).
        #expect(try Posix.waitForExit(pid: grandchild, milliseconds: 10_000), "grandchild \(grandchild) survived")
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(self).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}
