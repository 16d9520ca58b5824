import DokuenCore
import Testing

@testable import DokuenStore

/// `dokuen checks set|disable|enable`, and a build's static root.
@Suite(.timeLimit(.minutes(2))) struct StoreChecksTests {
    let blog = appName("blog")

    @Test func aCheckIsStoredCanonicalAndLogged() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            #expect(try await store.healthCheck(app: blog) == nil)
            let check = try await store.changeHealthCheck(
                app: blog, set: [.path: "/health", .attempts: "03"], unset: [], actor: "alice")
            #expect(check?.explicitValues == ["path": "/health", "attempts": "3"])
            #expect(try await store.healthCheck(app: blog) == check)
            let event = try #require(try await store.events(app: blog, limit: 1).first)
            #expect(event.action == "checks.change" && event.detail == "path=/health, attempts=3")

            let unset = try await store.changeHealthCheck(
                app: blog, set: [.content: "ok"], unset: [.attempts], actor: "a")
            #expect(unset?.explicitValues == ["path": "/health", "content": "ok"])
            #expect(try await store.changeHealthCheck(app: blog, set: [:], unset: [], clear: true, actor: "a") == nil)
            #expect(try await store.healthCheck(app: blog) == nil)
        }
    }

    /// auto_rollback is kept beside the HTTP check: neither changes the other, and --clear keeps it.
    @Test func autoRollbackIsApartFromTheHTTPCheck() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            #expect(try await store.autoRollback(app: blog) == nil)
            try await store.setAutoRollback(app: blog, seconds: 30, actor: "alice")
            #expect(try await store.autoRollback(app: blog) == 30)
            #expect(try await store.healthCheck(app: blog) == nil)
            let event = try #require(try await store.events(app: blog, limit: 1).first)
            #expect(event.action == "checks.change" && event.detail == "auto_rollback=30")
            try await store.changeHealthCheck(app: blog, set: [.path: "/up"], unset: [], actor: "a")
            #expect(try await store.changeHealthCheck(app: blog, set: [:], unset: [], clear: true, actor: "a") == nil)
            #expect(try await store.autoRollback(app: blog) == 30)
            try await store.setAutoRollback(app: blog, seconds: nil, actor: "alice")
            #expect(try await store.autoRollback(app: blog) == nil)
        }
    }

    @Test func aBadValueChangesNothing() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            try await store.changeHealthCheck(app: blog, set: [.path: "/up"], unset: [], actor: "alice")
            await #expect(throws: StoreError.self) {
                try await store.changeHealthCheck(
                    app: blog, set: [.content: "ok", .status: "9"], unset: [], actor: "a")
            }
            await #expect(throws: StoreError.self) {
                try await store.changeHealthCheck(app: blog, set: [.path: "/x"], unset: [.path], actor: "a")
            }
            #expect(try await store.healthCheck(app: blog)?.explicitValues == ["path": "/up"])
        }
    }

    @Test func zeroDowntimeIsOnUntilDisabled() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            #expect(try await store.zeroDowntime(app: blog))
            try await store.setZeroDowntime(app: blog, false, actor: "alice")
            #expect(try await store.zeroDowntime(app: blog) == false)
            #expect(try await store.events(app: blog, limit: 1).first?.action == "checks.disable")
            try await store.setZeroDowntime(app: blog, true, actor: "alice")
            #expect(try await store.zeroDowntime(app: blog))
            await #expect(throws: StoreError.appNotFound(appName("nope"))) {
                try await store.zeroDowntime(app: appName("nope"))
            }
        }
    }

    @Test func aBuildKeepsItsStaticRoot() async throws {
        try await withStore { store, _ in
            try await store.createApp(blog, actor: "alice")
            let stamp = try BuildStamp(microsecondsSinceEpoch: 1_700_000_000_000_000)
            let build = try await store.createBuild(
                app: blog, stamp: stamp, buildpack: "static", commit: nil, processes: [:],
                staticRoot: try StaticRoot("public"), actor: "alice")
            #expect(try await store.build(app: blog, id: build.id).staticRoot == (try StaticRoot("public")))
            #expect(try await store.build(app: blog, id: build.id) == build)
        }
    }
}
