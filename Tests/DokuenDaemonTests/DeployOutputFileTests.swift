import DokuenCore
import DokuenPosix
import TestSupport
import Testing

@testable import DokuenDaemon

/// A deploy's kept output (`DeployOutput`): lines as `dokuen deploy` prints them, the 1 MiB cap with its last line,
/// and only the newest 50 files of an app.
@Suite struct DeployOutputFileTests {
    /// The lines passed on, from one test's thread only.
    final class Passed: @unchecked Sendable { var lines: [String] = [] }

    @Test func linesAreKeptAsPrintedAndCutAtTheCap() throws {
        let temp = try TemporaryDirectory("dlog-output")
        defer { temp.remove() }
        let layout = RootLayout(root: temp.path)
        let app = try AppName("dlogcap")
        try Posix.mkdir(layout.appsDirectory)
        try Posix.mkdir(layout.app(app).directory)
        do {
            let output = DeployOutput(layout: layout, app: app, deploy: 7)
            let passed = Passed()
            let keep = output.keeping { passed.lines.append($0) }
            keep("Starting v2: web.1")
            keep("-----> Python app detected")
            keep("       installed <script>")
            keep("")
            #expect(
                passed.lines == ["Starting v2: web.1", "-----> Python app detected", "       installed <script>", ""])
            let text = String(
                decoding: try #require(try DeployOutput.read(layout: layout, app: app, deploy: 7)), as: UTF8.self)
            #expect(text == "-----> Starting v2: web.1\n-----> Python app detected\n       installed <script>\n\n")
            let line = "       " + String(repeating: "x", count: 1000)
            for _ in 0..<(DeployOutput.cap / 1000 + 10) { output.append(line) }
            output.append("-----> never kept")
        }
        let bytes = try #require(try DeployOutput.read(layout: layout, app: app, deploy: 7))
        #expect(bytes.count <= DeployOutput.cap + 100)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("-----> Output cut at 1 MiB: the rest was not kept\n"))
        #expect(!text.contains("never kept"))
        #expect(try Ownership.owner(layout.app(app).deployOutput(7))?.mode == 0o600)
        #expect(try DeployOutput.read(layout: layout, app: app, deploy: 8) == nil)
    }

    @Test func theNewestFiftyStay() throws {
        let temp = try TemporaryDirectory("dlog-prune")
        defer { temp.remove() }
        let layout = RootLayout(root: temp.path)
        let app = try AppName("dlogprune")
        try Posix.mkdir(layout.appsDirectory)
        try Posix.mkdir(layout.app(app).directory)
        for id in 1...(Int64(DeployOutput.kept) + 5) {
            DeployOutput(layout: layout, app: app, deploy: id).append("deploy \(id)")
        }
        let ids = DeployOutput.files(in: layout.app(app).deploys).map(\.id)
        #expect(ids == Array((6...Int64(DeployOutput.kept) + 5).reversed()))
    }
}
