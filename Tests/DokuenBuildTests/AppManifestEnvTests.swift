import DokuenCore
import Testing

@testable import DokuenBuild

/// app.json's `env`, `scripts` and unknown keys (docs/DESIGN.md §5): Heroku's rule for required variables, values
/// and generated secrets (the config always wins), Dokku's scripts, and a clear error or note for what Dokuen does
/// not use.
@Suite struct AppManifestEnvTests {
    func parse(_ text: String) throws -> AppManifest { try AppManifest.parse(Array(text.utf8)) }
    func key(_ name: String) throws -> EnvKey { try EnvKey(name) }

    @Test func herokusEnvRules() throws {
        let manifest = try parse(
            """
            {"env": {
                "SECRET_KEY_BASE": {"description": "signs cookies", "generator": "secret"},
                "MODE": {"value": "production"},
                "SHORT": "given",
                "API_TOKEN": {"description": "the upstream's token"},
                "OPTIONAL": {"required": false},
                "LOUD": {"value": "1", "required": true, "colour": "red"}
            }}
            """)
        #expect(
            manifest.env == [
                .init(key: try key("API_TOKEN"), description: "the upstream's token"),
                .init(key: try key("LOUD"), fill: .value("1")),
                .init(key: try key("MODE"), fill: .value("production")),
                .init(key: try key("OPTIONAL"), required: false),
                .init(key: try key("SECRET_KEY_BASE"), fill: .secret, description: "signs cookies"),
                .init(key: try key("SHORT"), fill: .value("given")),
            ])
        #expect(manifest.notes == ["env.LOUD.colour: not a key of env; ignored"])

        // An empty config: defaults and secrets to write, the required one missing.
        var plan = manifest.envPlan(config: [:])
        #expect(plan.defaults == [try key("LOUD"): "1", try key("MODE"): "production", try key("SHORT"): "given"])
        #expect(plan.secrets == [try key("SECRET_KEY_BASE")])
        #expect(plan.missing.map(\.key) == [try key("API_TOKEN")])

        // The config wins, even with an empty value; what it has is never rewritten or regenerated.
        plan = manifest.envPlan(config: [
            try key("API_TOKEN"): "t", try key("MODE"): "", try key("SECRET_KEY_BASE"): "kept", try key("LOUD"): "2",
            try key("SHORT"): "s",
        ])
        #expect(plan.isEmpty)
    }

    @Test func secretsAreLongRandomHex() {
        let one = AppManifest.secret()
        let two = AppManifest.secret()
        #expect(one.count == 64 && one.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(one != two)
    }

    @Test func dokkusAndHerokusScripts() throws {
        let manifest = try parse(
            """
            {"scripts": {
                "dokku": {"predeploy": "./check && echo ok", "postdeploy": "./notify", "preflight": "x"},
                "postdeploy": {"command": "./seed", "size": "large"},
                "pr-predestroy": "./drop"
            }}
            """)
        #expect(manifest.predeploy == "./check && echo ok")
        #expect(manifest.postdeploy == "./notify")
        #expect(manifest.firstPostdeploy == "./seed")
        #expect(
            manifest.notes == [
                "scripts.pr-predestroy: not a script Dokuen runs; ignored",
                "scripts.dokku.preflight: not a script Dokuen runs; ignored",
                "scripts.postdeploy.size: not used by Dokuen; ignored",
            ])
        #expect(try parse(#"{"scripts": {"postdeploy": "./seed"}}"#).firstPostdeploy == "./seed")
    }

    @Test func unknownTopLevelKeysAreNamed() throws {
        let manifest = try parse(
            #"{"name": "x", "addons": ["heroku-postgresql"], "buildpacks": [], "stack": "heroku-22", "colour": 1}"#)
        #expect(
            manifest.notes == [
                "addons: not used by Dokuen; add-ons are made with dokuen addons create",
                "buildpacks: not used by Dokuen; buildpacks are chosen with dokuen buildpacks set",
                "colour: not a key Dokuen knows; ignored",
                "name: a description of the app; not used by Dokuen",
                "stack: not used by Dokuen (no container image: the build runs on this host)",
            ])
    }

    /// Each error names the key, with its line and column; the whole file is refused, so nothing is half-applied.
    @Test(arguments: [
        (
            #"{"env": {"X": {"generator": "uuid"}}}"#,
            #"app.json line 1, column 29: env.X.generator: "uuid" is not one Dokuen runs; the only generator is "secret""#
        ),
        (
            #"{"env": {"X": {"value": "a", "generator": "secret"}}}"#,
            "app.json line 1, column 15: env.X: a value and a generator both; give one or the other"
        ),
        (#"{"env": {"X": {"value": 3}}}"#, "app.json line 1, column 25: env.X.value should be a string"),
        (#"{"env": {"X": {"required": "yes"}}}"#, "app.json line 1, column 28: env.X.required should be true or false"),
        (#"{"env": {"1X": "a"}}"#, "app.json line 1, column 16: env.1X: "),
        (#"{"env": {"X": "a\u0000b"}}"#, "app.json line 1, column 15: env.X.value: "),
        (#"{"env": []}"#, "app.json line 1, column 9: env should be an object"),
        (
            #"{"scripts": {"dokku": {"predeploy": 1}}}"#,
            "app.json line 1, column 37: scripts.dokku.predeploy should be a string"
        ),
        (
            #"{"scripts": {"dokku": {"postdeploy": " "}}}"#,
            "app.json line 1, column 38: scripts.dokku.postdeploy is empty"
        ),
        (
            #"{"scripts": {"postdeploy": {"size": "x"}}}"#,
            "app.json line 1, column 28: scripts.postdeploy lacks command"
        ),
    ])
    func badInputIsNamed(text: String, expected: String) throws {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func livenessChecksOfAnyTypeByPathOrCommand() throws {
        let manifest = try parse(
            """
            {"healthchecks": {
                "web": [{"type": "liveness", "path": "/live", "content": "ok", "wait": 2, "attempts": 4, "timeout": 1}],
                "worker": [{"type": "liveness", "command": ["./alive", "--quick"], "initialDelay": 30}]
            }}
            """)
        #expect(
            manifest.liveness.map(\.summary) == [
                "web liveness: GET /live → 200 \"ok\" every 2 s (timeout 1 s), restart after 4 failures in a row",
                "worker liveness: command ./alive --quick every 10 s (timeout 5 s, first after 30 s), restart after 3 "
                    + "failures in a row",
            ])
        #expect(manifest.checks.isEmpty && manifest.notes.isEmpty)
    }

    @Test(arguments: [
        (#"{"healthchecks": {"web": [{"type": "liveness"}]}}"#, "a liveness check needs a path or a command"),
        (
            #"{"healthchecks": {"web": [{"type": "liveness", "path": "/", "command": ["x"]}]}}"#,
            "a path and a command both; give one or the other"
        ),
        (
            #"{"healthchecks": {"web": [{"type": "liveness", "path": "/", "wait": 0}]}}"#,
            ".wait should be a whole number from 1 to 600"
        ),
        (#"{"healthchecks": {"web": [{"type": "liveness", "command": []}]}}"#, ".command should be a non-empty list"),
        (#"{"healthchecks": {"web": [{"type": "liveness", "path": "x"}]}}"#, "path takes an absolute path"),
    ])
    func badLivenessIsNamed(text: String, expected: String) throws {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
