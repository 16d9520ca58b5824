import DokuenAPI
import DokuenPosix
import Foundation
import TestSupport
import Testing

/// app.json's `env`, `scripts`, unknown keys and the release metadata through the real dokuend, CLI and shims
/// (docs/DESIGN.md §5): a required variable the config lacks fails the deploy before the build and changes nothing;
/// defaults and a generated secret are written once and kept by a second deploy and a rollback; the predeploy
/// script runs before the release, the post-deploy ones after the cutover (a failure is reported, never rolled
/// back); every instance sees DOKUEN_RELEASE and DOKUEN_RELEASE_CREATED_AT.
@Suite(.serialized, .timeLimit(.minutes(4))) struct AppJSONTests {
    static let app = "aj-blog"

    static func manifest(postdeploy: String) -> String {
        """
        {
          "name": "blog", // a description: named as not used
          "formation": {"web": {"quantity": 1}, "worker": {"quantity": 1}},
          "env": {
            "SECRET_KEY": {"description": "signs cookies", "generator": "secret"},
            "MODE": {"value": "prod"},
            "API_TOKEN": {"description": "the upstream's token"}
          },
          "scripts": {
            "dokku": {
              "predeploy": "echo predeploy sees MODE=$MODE as $(id -un); test ! -e $DOKUEN_DATA_DIR/nope",
              "postdeploy": "\(postdeploy)"
            },
            "postdeploy": "echo seeded at $DOKUEN_RELEASE > $DOKUEN_DATA_DIR/seeded"
          },
          "healthchecks": {
            "web": [{"type": "startup", "path": "/"}, {"type": "liveness", "path": "/", "wait": 1}],
            "worker": [{"type": "liveness", "command": ["test", "-n", "$NOT_EXPANDED"], "wait": 1, "attempts": 2}]
          }
        }
        """
    }

    /// The environment of the RUNNING instance of `type`, read from /proc.
    func environment(_ daemon: DaemonHarness, _ type: String, release: String) throws -> [String: String] {
        let statuses = try daemon.waitUntil("\(type).1@\(release) RUNNING") {
            $0.contains { $0.app == Self.app && $0.type == type && $0.release == release && $0.state == "RUNNING" }
        }
        let pid = try #require(statuses.first { $0.type == type && $0.release == release }?.pid)
        let bytes = try Posix.readFile("/proc/\(pid)/environ")
        var result: [String: String] = [:]
        for entry in bytes.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            result[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        return result
    }

    @Test func envScriptsAndMetadataOfADeployAndARollback() throws {
        let daemon = try DaemonHarness(label: "aj-appjson")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(
            Array(
                """
                web: exec python3 -m http.server $PORT --bind 127.0.0.1
                worker: exec sleep 1000
                """.utf8), to: daemon.temp("app/Procfile"))
        try AtomicFile.write(
            Array(Self.manifest(postdeploy: "echo notified $DOKUEN_RELEASE").utf8), to: daemon.temp("app/app.json"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))

        // A required variable the config lacks: refused before the build, by name, and nothing is written.
        let refused = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(refused.status == .exited(1))
        #expect(
            refused.standardError.contains(
                "app.json's env requires API_TOKEN (the upstream's token), which the config lacks; set it first "
                    + "(dokuen config set aj-blog API_TOKEN=...)"), "\(refused.standardError)")
        #expect(!refused.standardOutput.contains("predeploy"), "\(refused.standardOutput)")
        #expect(!refused.standardOutput.contains("Buildpack"), "\(refused.standardOutput)")
        #expect(try daemon.dokuen(["config", Self.app]).standardOutput.isEmpty)

        #expect(try daemon.dokuen(["config", "set", Self.app, "API_TOKEN=t0k", "MODE=mine"]).status == .exited(0))
        let first = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(first.status == .exited(0), "\(first.standardOutput)\(first.standardError)")
        let output = first.standardOutput
        for line in [
            "-----> app.json: the config lacked SECRET_KEY (a generated secret); set\n",
            "       app.json: name: a description of the app; not used by Dokuen\n",
            "-----> Formation: web=1 worker=1\n",
            "-----> Running app.json's predeploy script: ",
            "       predeploy sees MODE=mine as ",  // the config wins over app.json's value
            "-----> Running app.json's scripts.postdeploy: echo seeded",
            "-----> Running app.json's scripts.dokku.postdeploy: echo notified $DOKUEN_RELEASE\n",
            "       notified v1\n",
            "-----> app.json: web liveness: GET / → 200 every 1 s (timeout 5 s), restart after 3 failures in a row\n",
            "-----> app.json: worker liveness: command test -n $NOT_EXPANDED every 1 s (timeout 5 s), restart after 2 "
                + "failures in a row\n",
        ] {
            #expect(output.contains(line), "\(line) in \(output)")
        }
        // The predeploy script runs before the release starts; the post-deploy ones after the cutover.
        let predeployAt = try #require(output.range(of: "Running app.json's predeploy")).lowerBound
        let startAt = try #require(output.range(of: "Starting v1")).lowerBound
        let postdeployAt = try #require(output.range(of: "Running app.json's scripts.postdeploy")).lowerBound
        #expect(predeployAt < startAt && startAt < postdeployAt)
        let secret = try daemon.dokuen(["config", "get", Self.app, "SECRET_KEY"]).standardOutput
        #expect(secret.count == 65 && secret.dropLast().allSatisfy(\.isHexDigit), "\(secret)")
        #expect(!output.contains(String(secret.dropLast())), "the deploy printed the secret")
        #expect(
            String(decoding: try Posix.readFile(daemon.root + "/apps/\(Self.app)/data/seeded"), as: UTF8.self)
                == "seeded at v1\n")

        var web = try environment(daemon, "web", release: "v1")
        #expect(web["SECRET_KEY"] == String(secret.dropLast()))
        #expect(web["MODE"] == "mine" && web["API_TOKEN"] == "t0k")
        #expect(web["DOKUEN_RELEASE"] == "v1" && web["DYNO"] == "web.1" && web["PORT"] != nil)
        let created = try #require(web["DOKUEN_RELEASE_CREATED_AT"])
        #expect(created.count == 20 && created.hasSuffix("Z") && created.contains("T"), "\(created)")
        #expect(web["SOURCE_VERSION"] == nil)  // a tarball deploy has no commit
        #expect(try environment(daemon, "worker", release: "v1")["DOKUEN_RELEASE"] == "v1")

        // Both liveness checks pass (the command gets its argv as is, no shell): after several periods, no restart.
        let report = try daemon.dokuen(["checks", "report", Self.app]).standardOutput
        #expect(report.contains("  app.json: worker liveness: command test -n $NOT_EXPANDED every 1 s"), "\(report)")

        // A second deploy whose post-deploy script fails: reported, logged, and v2 stays; the secret is kept and
        // scripts.postdeploy (the first release's) does not run again.
        try AtomicFile.write(
            Array(Self.manifest(postdeploy: "echo failing; exit 3").utf8), to: daemon.temp("app/app.json"))
        let second = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
        #expect(second.status == .exited(0), "\(second.standardOutput)\(second.standardError)")
        #expect(
            second.standardOutput.contains(
                "-----> app.json's scripts.dokku.postdeploy failed (exited 3); v2 stays released\n"),
            "\(second.standardOutput)")
        #expect(!second.standardOutput.contains("scripts.postdeploy:"), "\(second.standardOutput)")
        #expect(!second.standardOutput.contains("the config lacked"), "\(second.standardOutput)")
        #expect(try daemon.dokuen(["config", "get", Self.app, "SECRET_KEY"]).standardOutput == secret)
        web = try environment(daemon, "web", release: "v2")
        #expect(web["DOKUEN_RELEASE"] == "v2" && web["SECRET_KEY"] == String(secret.dropLast()))
        let events = try daemon.dokuen(["events", Self.app]).standardOutput
        #expect(events.contains("v2: scripts.dokku.postdeploy failed (exited 3)"), "\(events)")
        #expect(events.contains("app.json: set SECRET_KEY (a generated secret)"), "\(events)")
        #expect(!events.contains(String(secret.dropLast())))

        // A rollback to v1: its code and config, the same secret.
        let rollback = try daemon.dokuen(["rollback", Self.app])
        #expect(rollback.status == .exited(0), "\(rollback.standardOutput)\(rollback.standardError)")
        web = try environment(daemon, "web", release: "v3")
        #expect(web["DOKUEN_RELEASE"] == "v3" && web["SECRET_KEY"] == String(secret.dropLast()))
        #expect(try daemon.dokuen(["config", "get", Self.app, "SECRET_KEY"]).standardOutput == secret)
        // The liveness checks passed all along (a period of 1 s, a few seconds in all): nothing was restarted.
        #expect(!(try daemon.dokuen(["events", Self.app]).standardOutput.contains("instance.liveness")))
    }

    /// A bad app.json (a generator other than secret, a wrong type) fails the deploy with its line, column and key,
    /// before anything is written to the config.
    @Test func aBadEnvIsRefusedWhole() throws {
        let daemon = try DaemonHarness(label: "aj-appjson-bad")
        defer { daemon.stop() }
        try Posix.mkdir(daemon.temp("app"))
        try AtomicFile.write(Array("web: exec sleep 1000\n".utf8), to: daemon.temp("app/Procfile"))
        #expect(try daemon.dokuen(["apps", "create", Self.app]).status == .exited(0))
        for (text, error) in [
            (
                #"{"env": {"A": {"value": "1"}, "B": {"generator": "uuid"}}}"#,
                #"app.json line 1, column 50: env.B.generator: "uuid" is not one Dokuen runs; the only generator is "secret""#
            ),
            (
                #"{"env": {"A": {"value": "1"}}, "scripts": {"dokku": {"predeploy": ["x"]}}}"#,
                "scripts.dokku.predeploy should be a string"
            ),
        ] {
            try AtomicFile.write(Array(text.utf8), to: daemon.temp("app/app.json"))
            let deployed = try daemon.dokuen(["deploy", Self.app, daemon.temp("app")])
            #expect(deployed.status == .exited(1))
            #expect(deployed.standardError.contains(error), "\(deployed.standardError)")
            #expect(try daemon.dokuen(["config", Self.app]).standardOutput.isEmpty)
        }
    }
}
