import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// Each deploy's output is kept by dokuend (docs/DASHBOARD.md, Deploy output): a push's, a config release's and a
/// rollback's, fetched through `GET /v1/apps/NAME/deploys/ID/output` and through the dashboard's deploy page, where
/// a line of the release command holding `<script>` comes out escaped; the files go with `apps destroy`.
@Suite(.serialized, .timeLimit(.minutes(4))) struct DeployOutputTests {
    static let procfile = """
        web: exec python3 -m http.server $PORT --bind 127.0.0.1
        release: echo '<script>alert(1)</script> release ran'

        """

    typealias Answer = DashboardTests.Answer

    @Test func everyDeployKeepsItsOutput() throws {
        let port = freeTCPPort()
        let daemon = try DaemonHarness(label: "dlog-output", options: ["--dashboard", "127.0.0.1:\(port)"])
        defer { daemon.stop() }
        let app = "dlogout"
        #expect(try daemon.dokuen(["apps", "create", app]).status == .exited(0))
        try Posix.mkdir(daemon.temp("src"))
        try AtomicFile.write(Array(Self.procfile.utf8), to: daemon.temp("src/Procfile"))
        let deployed = try daemon.dokuen(["deploy", app, daemon.temp("src")], deadlineSeconds: 120)
        #expect(deployed.status == .exited(0), "\(deployed.standardOutput)\(deployed.standardError)")
        let configured = try daemon.dokuen(["config", "set", app, "SECRET=dlog-hidden-value"], deadlineSeconds: 120)
        #expect(configured.status == .exited(0), "\(configured.standardError)")
        let rolledBack = try daemon.dokuen(["rollback", app], deadlineSeconds: 120)
        #expect(rolledBack.status == .exited(0), "\(rolledBack.standardError)")

        let client = UnixHTTPClient(socketPath: daemon.root + "/run/dokuend.sock")
        let listed = try client.send("GET", "/v1/apps/\(app)/deploys")
        let deploys = try JSONDecoder().decode([DeployOutcome].self, from: Data(listed.body))
        #expect(deploys.map(\.source) == ["rollback", "config", "tarball"])
        func output(_ id: Int64) throws -> (status: Int, type: String?, text: String) {
            let answer = try client.send("GET", "/v1/apps/\(app)/deploys/\(id)/output")
            return (answer.status, answer.headers["content-type"], String(decoding: answer.body, as: UTF8.self))
        }
        let ids = deploys.map(\.id)
        try #require(ids.count == 3)

        // The push: what `dokuen deploy` printed, step headers and the release command's indented output.
        let push = try output(ids[2])
        #expect(push.status == 200 && push.type?.hasPrefix("text/plain") == true)
        let printed = (deployed.standardOutput + deployed.standardError).split(separator: "\n").filter {
            $0.hasPrefix("-----> ")
        }
        #expect(printed.count >= 3, "\(deployed.standardOutput)\(deployed.standardError)")
        for line in printed { #expect(push.text.contains(line + "\n"), "\(line) not kept: \(push.text)") }
        #expect(push.text.contains("-----> Running the release command"), "\(push.text)")
        #expect(push.text.contains("       <script>alert(1)</script> release ran\n"), "\(push.text)")
        #expect(push.text.contains("-----> Release v1 is up"), "\(push.text)")
        // The config release and the rollback: their cutover's steps, and no config value.
        let config = try output(ids[1])
        #expect(config.status == 200 && config.text.contains("-----> Starting v2"), "\(config.text)")
        #expect(!config.text.contains("dlog-hidden-value"))
        let rollback = try output(ids[0])
        #expect(rollback.status == 200 && rollback.text.contains("-----> Starting v3"), "\(rollback.text)")
        // Kept by dokuend alone.
        let file = daemon.root + "/apps/\(app)/deploys/\(ids[2]).log"
        #expect(try Ownership.owner(file)?.mode == 0o600)
        #expect(try Ownership.owner(daemon.root + "/apps/\(app)/deploys")?.mode == 0o700)
        // No such deploy; not a deploy id.
        #expect(try output(999_999).status == 404)
        #expect(try client.send("GET", "/v1/apps/\(app)/deploys/0/output").status == 400)

        // The dashboard: the app page links each deploy to its page, which shows the output escaped.
        let temp = daemon.temp.path
        let base = "http://127.0.0.1:\(port)"
        let token = String(try daemon.dokuen(["dashboard", "token"]).standardOutput.prefix { $0 != "\n" })
        let signedIn = try DashboardTests.http("POST", base + "/signin", form: "token=\(token)", in: temp)
        let cookie = String((signedIn.headers["set-cookie"] ?? "").prefix { $0 != ";" })
        func get(_ path: String) throws -> Answer {
            try DashboardTests.http("GET", base + path, headers: ["Cookie": cookie], in: temp)
        }
        let appPage = try get("/apps/\(app)")
        #expect(appPage.body.contains("<a href=\"/apps/\(app)/deploys/\(ids[2])\">\(ids[2])</a>"), "\(appPage.body)")
        let page = try get("/apps/\(app)/deploys/\(ids[2])")
        #expect(page.status == 200)
        #expect(page.body.contains("-----&gt; Running the release command"), "\(page.body)")
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; release ran"))
        #expect(!page.body.contains("<script>alert(1)"))
        #expect(try get("/apps/\(app)/deploys/999999").status == 404)

        // They go with the app.
        #expect(try daemon.dokuen(["apps", "destroy", app, "--confirm", app]).status == .exited(0))
        #expect(!Posix.isDirectory(daemon.root + "/apps/\(app)/deploys"))
    }
}
