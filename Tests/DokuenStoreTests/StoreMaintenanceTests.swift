import DokuenCore
import Testing

@testable import DokuenStore

/// Maintenance: a flag per app, each change an event, gone with its app.
@Suite(.timeLimit(.minutes(2))) struct StoreMaintenanceTests {
    @Test func onAndOffAreEventsAndARepeatChangesNothing() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            #expect(try await store.inMaintenance(app: appName("blog")) == false)
            #expect(try await store.setMaintenance(app: appName("blog"), on: true, actor: "alice"))
            #expect(try await store.setMaintenance(app: appName("blog"), on: true, actor: "alice") == false)
            #expect(try await store.inMaintenance(app: appName("blog")))
            #expect(try await store.setMaintenance(app: appName("blog"), on: false, actor: "bob"))
            #expect(try await store.setMaintenance(app: appName("blog"), on: false, actor: "bob") == false)
            #expect(
                try await store.events(app: appName("blog"), limit: 3).map(\.action)
                    == ["maintenance.off", "maintenance.on", "app.create"])
            await #expect(throws: StoreError.appNotFound(appName("nope"))) {
                try await store.setMaintenance(app: appName("nope"), on: true, actor: "alice")
            }
        }
    }

    @Test func theFlagGoesWithItsApp() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.setMaintenance(app: appName("blog"), on: true, actor: "alice")
            try await store.destroyApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("blog"), actor: "alice")
            #expect(try await store.inMaintenance(app: appName("blog")) == false)
        }
    }
}
