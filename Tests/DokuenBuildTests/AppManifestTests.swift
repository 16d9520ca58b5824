import DokuenCore
import DokuenPosix
import Testing

@testable import DokuenBuild

#if canImport(Glibc)
    import Glibc
#endif

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
        #expect(
            manifest.notes == [
                "name: a description of the app; not used by Dokuen",
                "healthchecks.web[0] (web check): port is ignored; every check goes to the instance's $PORT",
            ])
        #expect(manifest.env == [AppManifest.EnvRule(key: try EnvKey("X"), fill: .value("1"))])
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
        #expect(manifest.liveness.map(\.target) == ["GET /live → 200"])
        #expect(
            manifest.notes == [
                "healthchecks.web[1]: command checks are not run by Dokuen; skipped",
                "healthchecks.web[2]: only http checks are run; skipped",
                "healthchecks.web[3]: no path, so no HTTP check; uptime is the process's startsecs setting "
                    + "(dokuen ps set web startsecs=N)",
                "healthchecks.web[4]: no path, so no HTTP check; every web instance's port must accept a connection "
                    + "anyway",
                "healthchecks.worker[0]: only web checks gate a deploy; skipped",
            ])
    }

    /// app.json is the pusher's: a symlink, a FIFO (open would block forever) or a huge file is refused, never
    /// followed or read to the end.
    @Test func onlyAPlainFileOfAtMost1MiBIsRead() throws {
        let directory = "/tmp/dokuen-manifest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try Posix.mkdir(directory)
        defer { try? Posix.removeTree(directory) }
        let path = directory + "/app.json"
        try Posix.symlink(target: "/dev/zero", at: path)
        #expect(throws: BuildError.manifest(reason: "app.json is a symlink; it must be a plain file")) {
            try AppManifest.load(buildDirectory: directory)
        }
        try Posix.unlink(path)
        #expect(mkfifo(path, 0o644) == 0)
        #expect(throws: BuildError.manifest(reason: "app.json is not a plain file")) {
            try AppManifest.load(buildDirectory: directory)
        }
        try Posix.unlink(path)
        try AtomicFile.write([UInt8](repeating: 32, count: AppManifest.maxSize + 1), to: path)
        #expect(throws: BuildError.manifest(reason: "app.json is larger than 1 MiB")) {
            try AppManifest.load(buildDirectory: directory)
        }
        try AtomicFile.write(Array(#"{"healthchecks": {"web": [{"path": "/up"}]}}"#.utf8), to: path)
        #expect(try AppManifest.load(buildDirectory: directory).checks.map(\.path) == ["/up"])
    }

    @Test func userStringsInNotesArePrintable() throws {
        let manifest = try parse(#"{"healthchecks": {"web": [{"type": "live\u001b[31mness", "name": "a\nb"}]}}"#)
        #expect(manifest.notes == ["healthchecks.web[0] (a?b): live?[31mness checks are not run by Dokuen; skipped"])
    }

    @Test func theDokuenSectionGivesSettingsPerType() throws {
        let manifest = try parse(
            #"{"dokuen": {"worker": {"nice": 5, "nofile": "unlimited", "stop_signal": "sigint", "memory": "1G"}}}"#)
        let worker = try #require(manifest.settings[try ProcessType("worker")])
        #expect(worker.explicitKeys == [.nice, .nofile, .stopSignal])
        #expect(
            worker.value(.nice) == "5" && worker.value(.nofile) == "unlimited" && worker.value(.stopSignal) == "INT")
        #expect(
            manifest.notes == [
                "dokuen.worker.memory: needs a cgroup v2 per instance, which this dokuend does not create; not enforced"
            ])
    }

    @Test func psSetWinsOverAppJSONKeyByKey() throws {
        let fromBuild = try #require(
            try parse(#"{"dokuen": {"web": {"nice": 5, "nofile": 100}}}"#).settings.first?.value)
        var stored = ProcessSettings()
        try stored.set(.nice, to: "-1")
        let merged = fromBuild.overlaid(by: stored)
        #expect(merged.value(.nice) == "-1" && merged.value(.nofile) == "100")
        #expect(merged.explicitKeys == [.nice, .nofile])
    }

    @Test(arguments: [
        (
            #"{"dokuen": {"web": {"nice": 20}}}"#,
            #"app.json line 1, column 29: dokuen.web: invalid setting "nice=20": nice takes "#
        ),
        (
            #"{"dokuen": {"web": {"colour": "red"}}}"#,
            #"app.json line 1, column 31: dokuen.web: invalid setting "dokuen.web.colour": unknown key "#
        ),
        (#"{"dokuen": {"we b": {"nice": 1}}}"#, "app.json line 1, column 21: dokuen.we b: "),
    ])
    func badDokuenSettingsFailWithTheirKey(_ text: String, _ start: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard case BuildError.manifest(let reason) = error else { return false }
            return reason.hasPrefix(start)
        }
    }

    @Test(arguments: [
        ("{", "app.json line 1, column 2: expected a key in double quotes, found the end of the file"),
        ("[]", "app.json line 1, column 1: the whole file should be an object"),
        (#"{"healthchecks": []}"#, "app.json line 1, column 18: healthchecks should be an object"),
        (
            #"{"healthchecks": {"web": [{"path": 3}]}}"#,
            "app.json line 1, column 36: healthchecks.web[0].path should be a string"
        ),
        (
            #"{"healthchecks": {"web": [{"path": "/", "attempts": "3"}]}}"#,
            "app.json line 1, column 53: healthchecks.web[0].attempts should be a whole number"
        ),
        (
            #"{"healthchecks": {"web": [{"name": "x", "path": "/a b"}]}}"#,
            #"app.json line 1, column 27: healthchecks.web[0] (x): invalid setting "path=/a b": path takes an "#
                + "absolute path with an optional query, in printable ASCII with no space or # (/health, /up?full=1)"
        ),
        (
            #"{"healthchecks": {"web": [{"path": "/", "attempts": 0}]}}"#,
            #"app.json line 1, column 27: healthchecks.web[0]: invalid setting "attempts=0": attempts takes a "#
                + "whole number from 1 to 100"
        ),
    ])
    func errorsNameTheKey(_ text: String, _ message: String) {
        #expect(throws: BuildError.manifest(reason: message)) { try parse(text) }
    }
}
