import DokuenCore
import DokuenPosix
import Testing

@testable import DokuenStore

/// `dokuen restore`'s side of the store (docs/BACKUP.md): every table is either imported or named as not restored,
/// and an import brings an app's rows over whole, with new ids, its release numbers kept.
@Suite(.timeLimit(.minutes(2))) struct RestoreImportTests {
    /// A table a future migration adds fails here until a restore imports it or says why it does not.
    @Test func everyTableIsImportedOrNamedAsNotRestored() async throws {
        try await withStore { store, _ in
            let tables = try await store.tableNames()
            let imported = Set(Store.importedTableNames)
            let skipped = Set(Store.notRestoredTables.keys)
            #expect(imported.isDisjoint(with: skipped))
            for table in tables {
                #expect(
                    imported.contains(table) || skipped.contains(table),
                    "table \(table) is neither imported by a restore nor in Store.notRestoredTables")
            }
            // And nothing listed that the schema does not have (a renamed table would otherwise hide).
            for table in imported.union(skipped) { #expect(tables.contains(table), "no table \(table)") }
        }
    }

    @Test func anImportKeepsReleaseNumbersEnvDomainsAndEventsAndSkipsLeases() async throws {
        try await withTemporaryDirectory { directory in
            let source = try Store.open(path: directory + "/source.sqlite", clock: { testNow })
            let web = try ProcessType("web")
            for name in ["rs-one", "rs-two"] {
                try await source.createApp(appName(name), actor: "alice")
                let build = try await source.createBuild(
                    app: appName(name), stamp: try BuildStamp(microsecondsSinceEpoch: 1_700_000_000_000_000),
                    buildpack: "python", commit: "0123456789abcdef", processes: [web: "python3 app.py"], actor: "a")
                for number in 1...3 {
                    try await source.createRelease(
                        app: appName(name), buildID: build.id,
                        env: [
                            try EnvKey("N"): "\(number)", try EnvKey("DATABASE_URL"): "postgres://u:p@127.0.0.1:5001/x",
                        ],
                        formation: Formation(scales: [.init(type: web, count: 1)]), summary: "Set N=\(number)",
                        actor: "alice")
                }
                try await source.addDomain("\(name).example.org", app: appName(name), actor: "alice")
                try await source.leasePort(
                    app: appName(name), type: web, index: 1, release: releaseID(3), range: 6000...6010, actor: "d")
            }
            await source.close()
            // The target already has an app: ids move past its own.
            let target = try Store.open(path: directory + "/target.sqlite", clock: { testNow })
            try await target.createApp(appName("rs-here"), actor: "bob")
            try await target.importApps(
                from: directory + "/source.sqlite", apps: [appName("rs-two")],
                rewrites: [
                    Store.URLRewrite(
                        app: appName("rs-two"), key: "DATABASE_URL", from: "@127.0.0.1:5001/", to: "@127.0.0.1:7001/")
                ], actor: "root", detail: "from /backups snapshot 01234567")
            #expect(try await target.apps().map(\.name.rawValue) == ["rs-here", "rs-two"])
            let releases = try await target.releases(app: appName("rs-two"))
            #expect(releases.map(\.id.number) == [3, 2, 1])
            #expect(releases.map(\.summary) == ["Set N=3", "Set N=2", "Set N=1"])
            #expect(releases[0].env[try EnvKey("N")] == "3")
            #expect(releases[2].env[try EnvKey("DATABASE_URL")] == "postgres://u:p@127.0.0.1:7001/x")
            #expect(try await target.domains(app: appName("rs-two")).map(\.hostname) == ["rs-two.example.org"])
            #expect(try await target.portLeases().isEmpty)
            let events = try await target.events(app: appName("rs-two"), limit: 100).map(\.action)
            #expect(events.contains("restore") && events.contains("app.create"))
            // An app of the same name is refused, and nothing changes.
            await #expect(throws: StoreError.appExists(appName("rs-two"))) {
                try await target.importApps(
                    from: directory + "/source.sqlite", apps: [appName("rs-one"), appName("rs-two")], rewrites: [],
                    actor: "root", detail: "again")
            }
            #expect(try await target.apps().map(\.name.rawValue) == ["rs-here", "rs-two"])
            await target.close()
        }
    }
}
