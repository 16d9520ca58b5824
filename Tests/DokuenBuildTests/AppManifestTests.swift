import DokuenCore
import Testing

@testable import DokuenBuild

/// app.json `healthchecks` in Dokku's format: what gates a cutover, what is reported as not run, and errors that
/// name the key.
@Suite struct AppManifestTests {
    func parse(_ text: String) throws -> AppManifest { try AppManifest.parse(Array(text.utf8)) }

    @Test func dokkusExampleGivesOneCheck() throws {
        let manifest = try parse(
            """
            {"name": "blog", "env": {"X": "1"}, "healthchecks": {"web": [{
                "type": "startup", "name": "web check", "description": "Checking /health/ready",
                "path": "/health/ready", "attempts": 3, "wait": 5, "timeout": 4, "initialDelay": 1, "content": "ok",
                "port": 5000
            }]}}
            """)
        #expect(manifest.notes == [])
        let check = try #require(manifest.checks.first)
        #expect(manifest.checks.count == 1)
        #expect(
            check.explicitValues == [
                "path": "/health/ready", "attempts": "3", "wait": "5", "timeout": "4", "initial_delay": "1",
                "content": "ok",
            ])
        #expect(check.status == 200)
    }

    @Test func noHealthchecksNoFileNoChecks() throws {
        #expect(try parse("{}") == AppManifest())
        #expect(try parse(#"{"healthchecks": {}}"#) == AppManifest())
        #expect(
            try AppManifest.load(buildDirectory: "/nonexistent-\(UInt32.random(in: 0...UInt32.max))") == AppManifest())
    }

    @Test func whatIsNotRunIsReported() throws {
        let manifest = try parse(
            """
            {"healthchecks": {
                "worker": [{"path": "/"}],
                "web": [
                    {"type": "liveness", "path": "/live"},
                    {"command": ["true"]},
                    {"path": "/s", "scheme": "https"},
                    {"type": "startup", "uptime": 10},
                    {"listening": true},
                    {"path": "/ok", "status": 204}
                ]
            }}
            """)
        #expect(manifest.checks.map(\.path) == ["/ok"])
        #expect(manifest.checks.first?.status == 204)
        #expect(
            manifest.notes == [
                "healthchecks.web[0]: liveness checks are not run by Dokuen; skipped",
                "healthchecks.web[1]: command checks are not run by Dokuen; skipped",
                "healthchecks.web[2]: only http checks are run; skipped",
                "healthchecks.web[3]: no path, so no HTTP check; uptime is the process's startsecs setting "
                    + "(dokuen ps set web startsecs=N)",
                "healthchecks.web[4]: no path, so no HTTP check; every web instance's port must accept a connection "
                    + "anyway",
                "healthchecks.worker[0]: only web checks gate a deploy; skipped",
            ])
    }

    @Test(arguments: [
        ("{", "app.json is not valid JSON"),
        ("[]", "app.json should be an object"),
        (#"{"healthchecks": []}"#, "app.json healthchecks should be an object"),
        (#"{"healthchecks": {"web": [{"path": 3}]}}"#, "app.json healthchecks.web[0].path should be a string"),
        (
            #"{"healthchecks": {"web": [{"path": "/", "attempts": "3"}]}}"#,
            "app.json healthchecks.web[0].attempts should be a whole number"
        ),
        (
            #"{"healthchecks": {"web": [{"name": "x", "path": "/a b"}]}}"#,
            #"healthchecks.web[0] (x): invalid setting "path=/a b": path takes an absolute path with an optional "#
                + "query, in printable ASCII with no space (/health, /up?full=1)"
        ),
        (
            #"{"healthchecks": {"web": [{"path": "/", "attempts": 0}]}}"#,
            #"healthchecks.web[0]: invalid setting "attempts=0": attempts takes a whole number from 1 to 100"#
        ),
    ])
    func errorsNameTheKey(_ text: String, _ message: String) {
        #expect(throws: BuildError.manifest(reason: message)) { try parse(text) }
    }
}
