import DokuenCore
import Testing

@testable import DokuenStore

/// Releases: numbered v1, v2, … per app, each a build, an env snapshot and a formation.
@Suite(.timeLimit(.minutes(2))) struct StoreReleaseTests {
    @Test func releasesAreNumberedPerAppFromOne() async throws {
        try await withStore { store, _ in
            let blogBuild = try await makeReleasedApp(store, "blog")
            let apiBuild = try await makeReleasedApp(store, "api")
            var made: [ReleaseID] = []
            for _ in 0..<3 {
                made.append(
                    try await store.createRelease(
                        app: appName("blog"), buildID: blogBuild.id, env: [:], formation: Formation(scales: []),
                        summary: "Set X", actor: "alice"))
            }
            #expect(made == [releaseID(2), releaseID(3), releaseID(4)])
            let apiNext = try await store.createRelease(
                app: appName("api"), buildID: apiBuild.id, env: [:], formation: Formation(scales: []),
                summary: "Set X", actor: "alice")
            #expect(apiNext == releaseID(2))
            #expect(try await store.releases(app: appName("blog")).map(\.id.number) == [4, 3, 2, 1])
            #expect(try await store.releases(app: appName("blog"), limit: 2).map(\.id.number) == [4, 3])
            #expect(try await store.latestRelease(app: appName("blog"))?.id == releaseID(4))
        }
    }

    @Test func aReleaseKeepsItsEnvAndFormation() async throws {
        try await withStore { store, _ in
            let build = try await makeReleasedApp(store, "blog", env: [envKey("A"): "1"])
            let v2 = try await store.createRelease(
                app: appName("blog"), buildID: build.id, env: [envKey("A"): "2", envKey("B"): "x=y\nz"],
                formation: Formation(scales: [.init(type: processType("web"), count: 3)]), summary: "Set A B",
                actor: "bob")
            let v1Record = try await store.release(app: appName("blog"), releaseID(1))
            let v2Record = try await store.release(app: appName("blog"), v2)
            #expect(v1Record.env == [envKey("A"): "1"])
            #expect(v2Record.env == [envKey("A"): "2", envKey("B"): "x=y\nz"])
            #expect(v1Record.formation.description == "web=1 worker=1")
            #expect(v2Record.formation.description == "web=3")
            #expect(v2Record.buildID == build.id && v2Record.buildStamp == build.stamp)
            #expect(v2Record.createdBy == "bob" && v2Record.summary == "Set A B" && v2Record.createdAt == testNow)
            #expect(try await store.releases(app: appName("blog")) == [v2Record, v1Record])
            await #expect(throws: StoreError.releaseNotFound(app: appName("blog"), releaseID(9))) {
                try await store.release(app: appName("blog"), releaseID(9))
            }
        }
    }

    @Test func envValuesNeverReachTheEventLogOrADescription() async throws {
        try await withStore { store, _ in
            let secret = "postgres://u:hunter2@db/x"
            try await makeReleasedApp(store, "blog", env: [envKey("DATABASE_URL"): secret])
            let release = try await store.release(app: appName("blog"), releaseID(1))
            #expect(release.env[envKey("DATABASE_URL")] == secret)
            #expect(!release.description.contains("hunter2"))
            #expect(!String(reflecting: release).contains("hunter2"))
            #expect(release.description.contains("DATABASE_URL"))
            for event in try await store.events() {
                #expect(!event.detail.contains("hunter2"), "\(event.action)")
            }
            #expect(try await store.events().first?.detail == "v1 build \(stamp(0)): Deploy 1a2b3c4")
        }
    }

    @Test func aReleaseOfAnUnknownBuildOrAppIsRefused() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect(throws: StoreError.buildNotFound(app: appName("blog"), id: 7)) {
                try await store.createRelease(
                    app: appName("blog"), buildID: 7, env: [:], formation: Formation(scales: []), summary: "",
                    actor: "alice")
            }
            await #expect(throws: StoreError.appNotFound(appName("nope"))) {
                try await store.releases(app: appName("nope"))
            }
            #expect(try await store.latestRelease(app: appName("blog")) == nil)
        }
    }
}

/// Pruning keeps the newest releases and the builds they use, and nothing else.
@Suite(.timeLimit(.minutes(2))) struct StorePruningTests {
    @Test func pruningKeepsTheNewestReleasesAndTheirBuilds() async throws {
        try await withStore { store, _ in
            let first = try await makeReleasedApp(store, "blog")
            var builds = [first]
            for index in 1...5 {
                let build = try await store.createBuild(
                    app: appName("blog"), stamp: stamp(Int64(index)), buildpack: "python", commit: nil,
                    processes: [processType("web"): "run"], actor: "alice")
                builds.append(build)
                try await store.createRelease(
                    app: appName("blog"), buildID: build.id, env: [:], formation: Formation(scales: []),
                    summary: "Deploy", actor: "alice")
            }
            // v7 reuses v1's build (a rollback), so that build stays although v1 goes.
            try await store.createRelease(
                app: appName("blog"), buildID: first.id, env: [:], formation: Formation(scales: []),
                summary: "Rollback to v1", actor: "alice")
            // A build no release ever used (a deploy cut short) goes too.
            let orphan = try await store.createBuild(
                app: appName("blog"), stamp: stamp(99), buildpack: nil, commit: nil, processes: [:], actor: "alice")

            let deleted = try await store.prune(app: appName("blog"), keep: 3, actor: "dokuend")
            #expect(try await store.releases(app: appName("blog")).map(\.id.number) == [7, 6, 5])
            #expect(Set(deleted.map(\.id)) == Set([builds[1].id, builds[2].id, builds[3].id, orphan.id]))
            #expect(
                Set(try await store.builds(app: appName("blog")).map(\.id)) == [first.id, builds[4].id, builds[5].id])
            #expect(try await store.prune(app: appName("blog"), keep: 3, actor: "dokuend").isEmpty, "idempotent")
            #expect(
                try await store.createRelease(
                    app: appName("blog"), buildID: first.id, env: [:], formation: Formation(scales: []),
                    summary: "Config", actor: "alice") == releaseID(8), "numbers keep counting up")
        }
    }
}
