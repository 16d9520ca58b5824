import DokuenAPI
import DokuenPosix
import TestSupport
import Testing

/// What people read from a real daemon after one deploy, pinned in Tests/Golden/cli/outputs.txt: `status`, `ps`,
/// `releases`, `apps info`, `apps list` and `events`, with what changes from run to run (pids, ports, times, build
/// stamps, the user running the tests) replaced by a word. `DOKUEN_UPDATE_GOLDEN=1` re-records it.
@Suite(.timeLimit(.minutes(3))) struct CLIOutputGoldenTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        worker: while true; do echo tick; sleep 1; done
        """

    /// The variable parts of an output, each as one word.
    static func normalized(_ text: String, user: String) -> String {
        text.replacing(/pid \d+/, with: "pid PID").replacing(/port \d+/, with: "port PORT")
            .replacing(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, with: "TIME")
            .replacing(/\(\d+(\.\d+)? s\)/, with: "(SECONDS)")
            .replacing(/\d+\.\d+ s\b/, with: "SECONDS")
            .replacing("  \(user)  ", with: "  USER  ").replacing(/\d{8}T\d{6}\.\d{6}Z/, with: "STAMP")
            .replacing(/port\.lease  \d+/, with: "port.lease  PORT")
    }

    @Test func outputsAfterADeploy() throws {
        let daemon = try DaemonHarness(label: "golden")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        // Only web starts at a first deploy; kept for it (docs/DESIGN.md §2, Formation).
        #expect(try daemon.dokuen(["ps", "scale", "blog", "worker=1"]).status == .exited(0))
        let deployed = try daemon.dokuen(["deploy", "blog", daemon.temp("app")])
        #expect(deployed.status == .exited(0), "\(deployed.standardError)")
        _ = try daemon.waitUntil("2 instances RUNNING") { $0.count == 2 && $0.allSatisfy { $0.state == "RUNNING" } }
        let user = Posix.userName(uid: Posix.geteuid()) ?? "root"
        var text = ""
        for arguments in [
            ["status"], ["status", "blog:web"], ["ps", "blog"], ["releases", "blog"], ["apps", "info", "blog"],
            ["apps", "list"], ["events", "blog"],
        ] {
            let result = try daemon.dokuen(arguments)
            text += "$ dokuen " + arguments.joined(separator: " ") + "\n[\(result.status)]\n"
            text += Self.normalized(result.standardOutput + result.standardError, user: user) + "\n"
        }
        let golden = GoldenText(directory: CLIGoldenTests.directory, name: "outputs.txt")
        let mismatch = try golden.mismatch(text)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }
}
