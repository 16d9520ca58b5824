import DokuenCore
import Testing

@testable import DokuenStore

/// Apps: create, read, destroy, and the errors that name the app.
@Suite(.timeLimit(.minutes(2))) struct StoreAppTests {
    @Test func createdAppsAreListedByName() async throws {
        try await withStore { store, _ in
            let blog = try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("api"), actor: "bob")
            #expect(blog.name == appName("blog") && blog.createdAt == testNow)
            #expect(try await store.apps().map(\.name) == [appName("api"), appName("blog")])
            #expect(try await store.app(named: appName("blog")) == blog)
            #expect(try await store.app(named: appName("nope")) == nil)
        }
    }

    @Test func aTakenNameIsRefusedNamingTheApp() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect(throws: StoreError.appExists(appName("blog"))) {
                try await store.createApp(appName("blog"), actor: "bob")
            }
            #expect(
                StoreError.appExists(appName("blog")).description
                    == "unable to create app blog: an app of that name already exists")
            // The failed attempt left no event behind: it rolled back with its transaction.
            #expect(try await store.events().map(\.action) == ["app.create"])
        }
    }

    @Test func destroyingAnUnknownAppIsAnError() async throws {
        try await withStore { store, _ in
            await #expect(throws: StoreError.appNotFound(appName("ghost"))) {
                try await store.destroyApp(appName("ghost"), actor: "alice")
            }
        }
    }

    @Test func aDestroyedNameCanBeCreatedAgainWithANewID() async throws {
        try await withStore { store, _ in
            let first = try await store.createApp(appName("blog"), actor: "alice")
            try await store.destroyApp(appName("blog"), actor: "alice")
            let second = try await store.createApp(appName("blog"), actor: "alice")
            #expect(second.id > first.id)
            #expect(
                try await store.events(app: appName("blog")).map(\.action)
                    == ["app.create", "app.destroy", "app.create"].reversed())
        }
    }

    @Test func buildsAreRecordedWithTheirProcessesNewestFirst() async throws {
        try await withStore { store, _ in
            let old = try await makeReleasedApp(store, "blog")
            let new = try await store.createBuild(
                app: appName("blog"), stamp: stamp(60), buildpack: nil, commit: nil,
                processes: [processType("web"): "./serve"], actor: "alice")
            #expect(try await store.builds(app: appName("blog")) == [new, old])
            #expect(try await store.build(app: appName("blog"), id: old.id).processes.count == 2)
            await #expect(throws: StoreError.buildExists(app: appName("blog"), stamp: stamp(60))) {
                try await store.createBuild(
                    app: appName("blog"), stamp: stamp(60), buildpack: nil, commit: nil, processes: [:], actor: "a")
            }
            try await store.createApp(appName("other"), actor: "alice")
            await #expect(throws: StoreError.buildNotFound(app: appName("other"), id: old.id)) {
                try await store.build(app: appName("other"), id: old.id)
            }
        }
    }
}
