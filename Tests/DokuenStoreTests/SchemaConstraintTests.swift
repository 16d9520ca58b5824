import DokuenCore
import Testing

@testable import DokuenStore

/// The schema defends itself: rows written with raw SQL, past every Swift check, still obey the rules.
@Suite(.timeLimit(.minutes(2))) struct SchemaConstraintTests {
    /// A name that some table column and some DokuenCore type both judge.
    struct NameCase: Sendable, CustomTestStringConvertible {
        enum Kind: String, Sendable { case app, processType, envKey, stamp, hostname }
        let kind: Kind
        let text: String
        /// False where the CHECK deliberately judges less than Swift does (a stamp's shape, not its date).
        var checkMatchesSwift = true

        var testDescription: String { "\(kind.rawValue) \(String(reflecting: text))" }

        var swiftAccepts: Bool {
            switch kind {
            case .app: (try? AppName(text)) != nil
            case .processType: (try? ProcessType(text)) != nil
            case .envKey: (try? EnvKey(text)) != nil
            case .stamp: (try? BuildStamp(text)) != nil
            case .hostname: DomainRecord.rejection(of: text) == nil
            }
        }

        /// The insert that puts `text` in the column under test; parents are the fixture's rows with id 1.
        var insert: String {
            switch kind {
            case .app: "INSERT INTO apps (name, created_at) VALUES (?, 0)"
            case .processType: "INSERT INTO formation (app_id, type, count) VALUES (1, ?, 1)"
            case .envKey: "INSERT INTO release_env (release_id, key, value) VALUES (1, ?, 'x')"
            case .stamp: "INSERT INTO builds (app_id, stamp, created_at) VALUES (1, ?, 0)"
            case .hostname: "INSERT INTO domains (app_id, hostname, created_at) VALUES (1, ?, 0)"
            }
        }
    }

    static let nameCases: [NameCase] =
        [
            "blog", "a", "my-app-2", "0", String(repeating: "a", count: 63), String(repeating: "a", count: 64), "",
            "Blog", "-blog", "blog-", "a/b", "a b", "a.b", "a_b", "a\u{0}b", "blög", "..",
        ].map { NameCase(kind: .app, text: $0) }
        + ["web", "Web_2", "worker-fast", "", "a b", "a.b", "web\u{0}", "wéb", String(repeating: "w", count: 64)]
        .map { NameCase(kind: .processType, text: $0) }
        + ["PATH", "_x", "a1", "", "1A", "A-B", "A B", "A\u{0}", "É", String(repeating: "K", count: 201)]
        .map { NameCase(kind: .envKey, text: $0) }
        + ["20250607T080910.111213Z", "20260101T000000Z", "2026-01-01T000000.000000Z", "20260101T000000.000000z", ""]
        .map { NameCase(kind: .stamp, text: $0) }
        + [NameCase(kind: .stamp, text: "20261399T999999.000000Z", checkMatchesSwift: false)]
        + [
            "example.com", "a", "x-1.example.com", "", "Example.com", ".example.com", "example.com.", "a..b",
            "a_b.com", "a b", "*.example.com", "ex\u{0}.com", String(repeating: "a", count: 254),
        ]
        .map { NameCase(kind: .hostname, text: $0) }

    @Test(arguments: nameCases)
    func checkConstraintsAgreeWithDokuenCore(_ name: NameCase) async throws {
        try await withStore { store, path in
            try await makeReleasedApp(store, "fixture")
            let failure = try withRawDatabase(path) { database in
                sqliteFailure { try database.run(name.insert, [.text(name.text)]) }
            }
            if name.checkMatchesSwift {
                #expect((failure == nil) == name.swiftAccepts, "SQLite said: \(failure?.message ?? "ok")")
            } else {
                #expect(failure == nil && !name.swiftAccepts)
            }
            if let failure { #expect(failure.extendedCode == SQLiteFailure.constraintCheck) }
        }
    }

    static let commitCases: [(String, Bool)] = [
        ("1a2b3c4", true), (String(repeating: "f", count: 40), true), (String(repeating: "0", count: 64), true),
        ("1a2b3c", false), ("1A2B3C4", false), ("1a2b3c4g", false), (String(repeating: "f", count: 65), false),
    ]

    @Test(arguments: commitCases)
    func commitsAreLowercaseHexOf7To64Digits(_ commit: String, _ valid: Bool) async throws {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            let failure = try withRawDatabase(path) { database in
                sqliteFailure {
                    try database.run(
                        "INSERT INTO builds (app_id, stamp, commit_sha, created_at) VALUES (1, ?, ?, 0)",
                        [.text(stamp(0).description), .text(commit)])
                }
            }
            #expect((failure == nil) == valid)
        }
    }

    @Test func tablesAreStrict() async throws {
        try await withStore { _, path in
            let failure = try withRawDatabase(path) { database in
                sqliteFailure { try database.run("INSERT INTO apps (name, created_at) VALUES ('blog', 'yesterday')") }
            }
            #expect(failure?.message.contains("cannot store TEXT value in INTEGER column apps.created_at") == true)
        }
    }

    @Test func destroyingAnAppCascadesToEverythingButItsEvents() async throws {
        try await withStore { store, path in
            let build = try await makeReleasedApp(store, "blog")
            try await makeReleasedApp(store, "other")
            try await store.setFormation(
                app: appName("blog"), Formation(scales: [.init(type: processType("web"), count: 2)]), actor: "alice")
            try await store.leasePort(
                app: appName("blog"), type: processType("web"), index: 1, release: releaseID(1), actor: "dokuend")
            try await store.addDomain("blog.example.com", app: appName("blog"), actor: "alice")
            let deploy = try await store.startDeploy(app: appName("blog"), source: "git push 1a2b3c4", actor: "alice")
            try await store.finishDeploy(
                deploy.id, outcome: .succeeded(release: releaseID(1)), buildID: build.id, actor: "alice")
            let eventsBefore = try await store.events(app: appName("blog")).count

            try await store.destroyApp(appName("blog"), actor: "alice")

            let tables = [
                "builds", "build_processes", "releases", "release_env", "release_formation", "formation",
                "port_leases", "domains", "deploys",
            ]
            try withRawDatabase(path) { database in
                for table in tables {
                    // Only the other app's rows are left, and it has exactly one build and one release.
                    let left = try scalar(database, "SELECT count(*) FROM \(table)")
                    let expected: Int64 =
                        switch table {
                        case "build_processes", "release_formation": 2
                        case "formation", "port_leases", "domains", "deploys", "release_env": 0
                        default: 1
                        }
                    #expect(left == .integer(expected), "\(table)")
                }
                #expect(try database.query("PRAGMA foreign_key_check").isEmpty)
            }
            let events = try await store.events(app: appName("blog"))
            #expect(events.count == eventsBefore + 1)
            #expect(events.first?.action == "app.destroy")
            #expect(try await store.apps().map(\.name) == [appName("other")])
        }
    }

    @Test func eventsCannotBeUpdatedOrDeleted() async throws {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            for sql in ["UPDATE events SET actor = 'mallory'", "DELETE FROM events"] {
                let failure = try withRawDatabase(path) { database in sqliteFailure { try database.run(sql) } }
                #expect(failure?.message == "events are append-only", "\(sql)")
                #expect(failure?.extendedCode == SQLiteFailure.constraintTrigger)
            }
            #expect(try await store.events().map(\.actor) == ["alice"])
        }
    }

    @Test func aPortCannotBeLeasedTwice() async throws {
        try await withStore { store, path in
            try await makeReleasedApp(store, "blog")
            let insert =
                "INSERT INTO port_leases (port, app_id, type, idx, release, leased_at) VALUES (5000, 1, ?, 1, 1, 0)"
            let failures = try withRawDatabase(path) { database in
                [
                    sqliteFailure { try database.run(insert, [.text("web")]) },
                    sqliteFailure { try database.run(insert, [.text("worker")]) },
                ]
            }
            #expect(failures[0] == nil)
            #expect(failures[1]?.extendedCode == SQLiteFailure.constraintPrimaryKey)
        }
    }

    /// (state, finished_at, error, valid): finished exactly when not running, an error exactly when failed.
    static let deployStates: [(String, Int64?, String?, Bool)] = [
        ("running", nil, nil, true), ("running", 10, nil, false), ("running", nil, "boom", false),
        ("succeeded", 10, nil, true), ("succeeded", nil, nil, false), ("succeeded", 10, "boom", false),
        ("failed", 10, "boom", true), ("failed", 10, nil, false), ("failed", nil, "boom", false),
        ("succeeded", 9, nil, false), ("queued", nil, nil, false),
    ]

    @Test(arguments: deployStates)
    func deployStateFinishedAtAndErrorAgree(_ state: String, _ finishedAt: Int64?, _ error: String?, _ valid: Bool)
        async throws
    {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            let failure = try withRawDatabase(path) { database in
                sqliteFailure {
                    try database.run(
                        """
                        INSERT INTO deploys (app_id, state, source, error, started_by, started_at, finished_at)
                        VALUES (1, ?, 'git push', ?, 'alice', 10, ?)
                        """, [.text(state), .text(error), .integer(finishedAt)])
                }
            }
            #expect((failure == nil) == valid, "SQLite said: \(failure?.message ?? "ok")")
        }
    }

    @Test func atMostOneDeployRunsPerApp() async throws {
        try await withStore { store, path in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("other"), actor: "alice")
            let insert =
                "INSERT INTO deploys (app_id, state, source, started_by, started_at) VALUES (?, 'running', 'x', 'a', 0)"
            let failures = try withRawDatabase(path) { database in
                [1, 2, 1].map { id in sqliteFailure { try database.run(insert, [.integer(id)]) } }
            }
            #expect(failures[0] == nil && failures[1] == nil)
            #expect(failures[2]?.extendedCode == SQLiteFailure.constraintUnique)
        }
    }

    @Test func aReleaseCanOnlyUseABuildOfItsOwnApp() async throws {
        try await withStore { store, path in
            let blogBuild = try await makeReleasedApp(store, "blog")
            try await store.createApp(appName("other"), actor: "alice")
            let failure = try withRawDatabase(path) { database in
                sqliteFailure {
                    try database.run(
                        """
                        INSERT INTO releases (app_id, version, build_id, description, created_by, created_at)
                        VALUES (2, 1, ?, '', 'alice', 0)
                        """, [.integer(blogBuild.id)])
                }
            }
            #expect(failure?.extendedCode == SQLiteFailure.constraintForeignKey)
            await #expect(throws: StoreError.buildNotFound(app: appName("other"), id: blogBuild.id)) {
                try await store.createRelease(
                    app: appName("other"), buildID: blogBuild.id, env: [:], formation: Formation(scales: []),
                    summary: "", actor: "alice")
            }
        }
    }

    @Test func aBuildThatAReleaseUsesCannotBeDeleted() async throws {
        try await withStore { store, _ in
            let used = try await makeReleasedApp(store, "blog")
            let unused = try await store.createBuild(
                app: appName("blog"), stamp: stamp(60), buildpack: nil, commit: nil, processes: [:], actor: "alice")
            await #expect(throws: StoreError.buildInUse(app: appName("blog"), id: used.id)) {
                try await store.deleteBuild(app: appName("blog"), id: used.id, actor: "alice")
            }
            try await store.deleteBuild(app: appName("blog"), id: unused.id, actor: "alice")
            #expect(try await store.builds(app: appName("blog")).map(\.id) == [used.id])
        }
    }
}
