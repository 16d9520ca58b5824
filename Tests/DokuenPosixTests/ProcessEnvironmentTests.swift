import DokuenPosix
import TestSupport
import Testing

/// A process's environment, clock and standard streams through DokuenPosix.
@Suite struct ProcessEnvironmentTests {
    @Test func setenvThenGetenv() throws {
        let name = "DOKUEN_POSIX_TEST_\(Posix.getpid())"
        #expect(Posix.getenv(name) == nil)
        try Posix.setenv(name, "a=b c")
        #expect(Posix.getenv(name) == "a=b c")
        #expect(Posix.environment()[name] == "a=b c")
        try Posix.setenv(name, "")
        #expect(Posix.getenv(name) == "", "set but empty is not unset")
        #expect(throws: PosixError("set variable", path: "A=B", .invalid)) { try Posix.setenv("A=B", "x") }
    }

    @Test func realtimeAgreesWithItself() {
        let seconds = Posix.realtimeSeconds()
        let micro = Posix.realtimeMicroseconds()
        #expect(seconds > 1_700_000_000, "after 2023")
        #expect(micro / 1_000_000 >= seconds)
    }

    @Test func writeToStreamWritesAllOrReportsFalse() throws {
        let pipe = try Posix.pipe()
        defer {
            Posix.close(pipe.read)
            Posix.close(pipe.write)
        }
        #expect(Posix.writeToStream(pipe.write, Array("ok".utf8)))
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try Posix.read(pipe.read, into: &buffer) == 2)
        // A standard stream that was never open (EBADF) is no programming error here: false, no trap.
        #expect(!Posix.writeToStream(-1, Array("lost".utf8)))
    }

    @Test func isTerminalIsFalseForAPipe() throws {
        let pipe = try Posix.pipe()
        defer {
            Posix.close(pipe.read)
            Posix.close(pipe.write)
        }
        #expect(!Posix.isTerminal(pipe.read))
    }

    @Test func executeReportsAMissingProgram() {
        #expect(throws: PosixError("run", path: "/nonexistent/program", .noEntry)) {
            try Posix.execute("/nonexistent/program", arguments: ["program"], environment: [])
        }
    }

    @Test func userLookups() throws {
        let root = try #require(UserEntry.named("root"))
        #expect(root.uid == 0)
        #expect(UserEntry.withID(0)?.name == "root")
        #expect(UserEntry.groupID("root") == 0)
        #expect(UserEntry.named("no-such-user-dokuen") == nil)
        #expect(UserEntry.groupID("no-such-group-dokuen") == nil)
    }
}
