import DokuenPosix
import TestSupport
import Testing

/// The error line of a deploy that a real daemon refuses for what the app carries, pinned in
/// Tests/Golden/cli/deploy-refusals.txt (`DOKUEN_UPDATE_GOLDEN=1` re-records it): Procfiles with odd line ends, an
/// empty one, a type a command line could not name.
@Suite(.timeLimit(.minutes(3))) struct DeployRefusalGoldenTests {
    static let procfiles: [(label: String, text: String)] = [
        ("empty", ""),
        ("comments only", "# web: ./serve\n\n"),
        ("release only", "release: true\n"),
        ("a type named -y", "web: exec sleep 100\n-y: exec sleep 100\n"),
        ("old Mac line ends, a duplicate", "web: exec sleep 100\rworker: exec sleep 100\rweb: exec sleep 1\r"),
        ("U+2028 splits a line", "web: exec sleep 100\u{2028}this is not a process line\n"),
    ]

    @Test func errorLines() throws {
        let daemon = try DaemonHarness(label: "refusals")
        defer { daemon.stop() }
        #expect(try daemon.dokuen(["apps", "create", "blog"]).status == .exited(0))
        var text = ""
        for (index, procfile) in Self.procfiles.enumerated() {
            let app = daemon.temp("app\(index)")
            try Posix.mkdir(app)
            try AtomicFile.write(Array(procfile.text.utf8), to: app + "/Procfile")
            let result = try daemon.dokuen(["deploy", "blog", app])
            let errors = result.standardError.split(separator: "\n").filter { $0.hasPrefix("dokuen: error:") }
            text += "# \(procfile.label)\n[\(result.status)]\n" + errors.map { $0 + "\n" }.joined() + "\n"
        }
        let golden = GoldenText(directory: CLIGoldenTests.directory, name: "deploy-refusals.txt")
        let mismatch = try golden.mismatch(text)
        #expect(mismatch == nil, "\(mismatch ?? "")")
    }
}
