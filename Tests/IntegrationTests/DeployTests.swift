import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// `dokuen deploy` of a Procfile app through the real dokuend: supervised instances, status, re-adoption.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DeployTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: while true; do echo tick; sleep 1; done
        """

    func deploy(_ daemon: DaemonHarness) throws -> [InstanceStatus] {
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(Array("hello from blog\n".utf8), to: daemon.temp("app/index.txt"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        #expect(deployed.standardOutput.contains("-----> Release v1 is starting: web×1 worker×1"))
        return try waitForRunning(daemon, count: 2)
    }

    /// Reads `status --json` as each shim reports in: the shims tell dokuend through the events socket, which the
    /// test cannot hear, so it asks again after short waits, within a deadline.
    func waitForRunning(_ daemon: DaemonHarness, count: Int) throws -> [InstanceStatus] {
        let pause = try NotifySocket(path: daemon.temp("pause-\(count)"))
        for _ in 0..<200 {
            let result = try daemon.dokuen(["status", "--json"])
            let statuses = try JSONDecoder().decode([InstanceStatus].self, from: Data(result.stdout))
            if statuses.count == count && statuses.allSatisfy({ $0.state == "RUNNING" }) { return statuses }
            _ = try pause.receive(milliseconds: 100)
        }
        throw ProgramRunError(
            description: "instances never all RUNNING: \(try daemon.dokuen(["status"]).standardOutput)")
    }

    @Test func deployRunsEveryTypeAsTheAppUserAndServes() throws {
        let daemon = try DaemonHarness(label: "deploy")
        defer { daemon.stop() }
        let statuses = try deploy(daemon)
        #expect(
            statuses.map { "\($0.app):\($0.type).\($0.index)@\($0.release)" } == ["blog:web.1@v1", "blog:worker.1@v1"])
        let web = try #require(statuses.first { $0.type == "web" })
        let port = try #require(web.port)
        #expect(Set(statuses.compactMap(\.port)).count == 2, "distinct ports")

        let body = try runProgram(
            "/usr/bin/python3",
            [
                "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:\(port)/index.txt').read().decode(), end='')",
            ])
        #expect(body.standardOutput == "hello from blog\n", "\(body.standardError)")

        if geteuid() == 0 {
            let owner = try runProgram("/bin/ps", ["-o", "user=", "-p", "\(try #require(web.pid))"])
            #expect(owner.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "dokuen")
        }
        let text = try daemon.dokuen(["status"])
        #expect(text.status == .exited(0))
        #expect(
            text.standardOutput.hasPrefix("blog:web.1      RUNNING   pid \(try #require(web.pid)), port \(port), v1"))
    }

    @Test func killingDokuendChangesNoAppProcess() throws {
        let daemon = try DaemonHarness(label: "adopt")
        defer { daemon.stop() }
        let before = try deploy(daemon)
        try daemon.restart()
        let after = try daemon.dokuen(["status", "--json"])
        #expect(try JSONDecoder().decode([InstanceStatus].self, from: Data(after.stdout)) == before)
    }

    @Test func statusOfAnUnknownTargetExits4() throws {
        let daemon = try DaemonHarness(label: "status")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["status", "nope"]).status == .exited(4))
        let bad = try daemon.dokuen(["status", "Bad:web"])
        #expect(bad.status == .exited(64))
        #expect(bad.standardError.hasPrefix("dokuen: error: invalid target \"Bad:web\""))
    }
}
