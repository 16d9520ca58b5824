import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// A Procfile line that is one simple command is the shim's own child after `.profile.d` (`exec`); a compound one
/// keeps its shell (issue 22, `ProcessCommand.isSimple`).
@Suite(.serialized, .timeLimit(.minutes(2))) struct LaunchTests {
    @Test func aSimpleCommandIsTheProcessStatusReports() throws {
        let daemon = try DaemonHarness(label: "launch")
        defer { daemon.stop() }
        let app = daemon.temp("app")
        try Posix.mkdir(app)
        try Posix.mkdir(app + "/.profile.d")
        try AtomicFile.write(
            Array(
                """
                web: exec python3 -m http.server $PORT --bind 127.0.0.1
                clock: sleep 7301
                compound: echo "compound $GREETING" && sleep 7302
                """.utf8), to: app + "/Procfile")
        try AtomicFile.write(Array("export GREETING=hello-from-profile\n".utf8), to: app + "/.profile.d/greet.sh")
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "clock=1", "compound=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", app])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        let statuses = try daemon.waitUntil("every type RUNNING") { statuses in
            statuses.count == 3 && statuses.allSatisfy { $0.state == "RUNNING" && $0.pid != nil }
        }
        func comm(_ pid: Int32) -> String {
            String(decoding: (try? Posix.readFile("/proc/\(pid)/comm")) ?? [], as: UTF8.self)
        }
        let clock = try #require(statuses.first { $0.type == "clock" }?.pid)
        #expect(comm(clock) == "sleep\n", "the app, not a shell, is the pid status reports")
        let environ = String(decoding: try Posix.readFile("/proc/\(clock)/environ"), as: UTF8.self)
        #expect(environ.split(separator: "\0").contains("GREETING=hello-from-profile"), ".profile.d still applies")
        let compound = try #require(statuses.first { $0.type == "compound" }?.pid)
        #expect(comm(compound) == "sh\n", "a compound command keeps its shell")
        try daemon.waitFor("the compound command's output") {
            try daemon.dokuen(["logs", "blog", "--type", "compound"]).standardOutput.contains(
                "compound hello-from-profile")
        }

        // A SIGKILL of the app itself is its exit: the shim starts it again.
        #expect(try Posix.kill(clock, SIGKILL))
        let after = try daemon.waitUntil("clock started again") { statuses in
            statuses.contains { $0.type == "clock" && $0.state == "RUNNING" && $0.pid != nil && $0.pid != clock }
        }
        let again = try #require(after.first { $0.type == "clock" })
        #expect(again.restarts >= 1)
        #expect(comm(try #require(again.pid)) == "sleep\n")
    }
}
