import DokuenCore
import Testing

@testable import DokuenStore

/// Add-ons (docs/ADDONS.md): a port of the instances' range that no lease takes, links one per app and add-on.
@Suite(.timeLimit(.minutes(2))) struct StoreAddonTests {
    @Test func anAddonTakesAPortNoInstanceHoldsAndNoLeaseTakesIt() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.leasePort(
                app: appName("blog"), type: try ProcessType("web"), index: 1, release: releaseID(1),
                range: 6000...6010, actor: "dokuend")
            let db = try await store.createAddon(
                appName("db"), kind: .postgres, version: "15", range: 6000...6010, busy: [6001], actor: "alice")
            #expect(db.port == 6002)
            let lease = try await store.leasePort(
                app: appName("blog"), type: try ProcessType("web"), index: 2, release: releaseID(1),
                range: 6000...6010, actor: "dokuend")
            #expect(lease.port == 6001)
            let next = try await store.leasePort(
                app: appName("blog"), type: try ProcessType("web"), index: 3, release: releaseID(1),
                range: 6000...6010, actor: "dokuend")
            #expect(next.port == 6003)
            await #expect(throws: StoreError.addonExists(appName("db"))) {
                try await store.createAddon(appName("db"), kind: .redis, version: "7", range: 6000...6010, actor: "a")
            }
            #expect(try await store.addons().map(\.name.rawValue) == ["db"])
        }
    }

    @Test func anAppLinksOnceAndItsLinksGoWithIt() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createAddon(appName("db"), kind: .postgres, version: "15", range: 6000...6010, actor: "a")
            try await store.createAddon(appName("kv"), kind: .redis, version: "7", range: 6000...6010, actor: "a")
            let alias = try AddonAlias("DATABASE")
            try await store.linkAddon(appName("db"), app: appName("blog"), alias: alias, follow: true, actor: "a")
            await #expect(throws: StoreError.addonLinkExists(addon: appName("db"), app: appName("blog"))) {
                try await store.linkAddon(
                    appName("db"), app: appName("blog"), alias: try AddonAlias("OTHER"),
                    follow: true, actor: "a")
            }
            // Another add-on under the same alias would overwrite the first one's URL: refused.
            await #expect(throws: StoreError.addonLinkExists(addon: appName("kv"), app: appName("blog"))) {
                try await store.linkAddon(appName("kv"), app: appName("blog"), alias: alias, follow: true, actor: "a")
            }
            #expect(try await store.addonLinks(addon: appName("db")).map(\.app.rawValue) == ["blog"])
            try await store.unlinkAddon(appName("db"), app: appName("blog"), actor: "a")
            await #expect(throws: StoreError.addonLinkNotFound(addon: appName("db"), app: appName("blog"))) {
                try await store.unlinkAddon(appName("db"), app: appName("blog"), actor: "a")
            }
            try await store.linkAddon(
                appName("kv"), app: appName("blog"), alias: try AddonAlias("REDIS"),
                follow: false, actor: "a")
            try await store.destroyApp(appName("blog"), actor: "a")
            #expect(try await store.addonLinks().isEmpty)
            try await store.destroyAddon(appName("kv"), actor: "a")
            await #expect(throws: StoreError.addonNotFound(appName("kv"))) {
                try await store.destroyAddon(appName("kv"), actor: "a")
            }
        }
    }
}
