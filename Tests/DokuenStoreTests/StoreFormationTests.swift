import DokuenCore
import Testing

@testable import DokuenStore

/// Formation: the desired count of each type and its stopped flag.
@Suite(.timeLimit(.minutes(2))) struct StoreFormationTests {
    @Test func scalingTouchesOnlyTheNamedTypesAndKeepsStoppedFlags() async throws {
        try await withStore { store, _ in
            let blog = appName("blog")
            try await store.createApp(blog, actor: "alice")
            try await store.setFormation(app: blog, try Formation.parse(["web=2", "worker=1"]), actor: "alice")
            try await store.setStopped(app: blog, type: processType("worker"), stopped: true, actor: "alice")
            try await store.setFormation(app: blog, try Formation.parse(["web=3"]), actor: "bob")
            #expect(
                try await store.formation(app: blog) == [
                    FormationRecord(app: blog, type: processType("web"), count: 3, stopped: false),
                    FormationRecord(app: blog, type: processType("worker"), count: 1, stopped: true),
                ])
            #expect(try await store.formation(app: blog).map(\.runningCount) == [3, 0])
            #expect(try await store.events(app: blog, limit: 1).first?.detail == "web=3")
        }
    }

    @Test func stoppingWithoutATypeStopsEveryTypeAndStartBringsThemBack() async throws {
        try await withStore { store, _ in
            let blog = appName("blog")
            try await store.createApp(blog, actor: "alice")
            try await store.setFormation(app: blog, try Formation.parse(["web=2,worker=1"]), actor: "alice")
            try await store.setStopped(app: blog, stopped: true, actor: "alice")
            #expect(try await store.formation(app: blog).map(\.stopped) == [true, true])
            try await store.setStopped(app: blog, stopped: false, actor: "alice")
            #expect(try await store.formation(app: blog).map(\.runningCount) == [2, 1])
            #expect(
                try await store.events(app: blog, limit: 2).map { "\($0.action) \($0.detail)" }
                    == ["formation.start all types", "formation.stop all types"])
        }
    }

    @Test func stoppingATypeTheAppDoesNotHaveIsAnError() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect(throws: StoreError.formationNotFound(app: appName("blog"), processType("clock"))) {
                try await store.setStopped(app: appName("blog"), type: processType("clock"), stopped: true, actor: "a")
            }
        }
    }

    @Test func aCountAboveTheLimitIsRefusedByTheSchema() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect {
                try await store.setFormation(
                    app: appName("blog"), Formation(scales: [.init(type: processType("web"), count: 101)]),
                    actor: "alice")
            } throws: { error in
                guard case .sql(let failure) = error as? StoreError else { return false }
                return failure.extendedCode == SQLiteFailure.constraintCheck
            }
        }
    }
}
