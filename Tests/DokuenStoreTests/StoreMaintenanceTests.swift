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

/// Access rules and basic-auth users: stored per app, a network has one rule, hashes are kept, clear empties all.
@Suite(.timeLimit(.minutes(2))) struct StoreAccessTests {
    @Test func rulesUsersAndClear() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.addAccessRules(
                app: appName("blog"), allow: true, cidrs: ["10.0.0.0/8", "10.1.0.0/16"], actor: "alice")
            try await store.addAccessRules(app: appName("blog"), allow: false, cidrs: ["10.1.0.0/16"], actor: "alice")
            try await store.setBasicAuth(app: appName("blog"), user: "bob", hash: "$6$a$b", actor: "alice")
            try await store.setBasicAuth(app: appName("blog"), user: "bob", hash: "$6$c$d", actor: "alice")
            let record = try await store.access(app: appName("blog"))
            #expect(record.allow == ["10.0.0.0/8"] && record.deny == ["10.1.0.0/16"])
            #expect(record.users.map(\.hash) == ["$6$c$d"])
            await #expect(throws: StoreError.self) {
                try await store.setBasicAuth(app: appName("blog"), user: "a:b", hash: "$6$a$b", actor: "alice")
            }
            await #expect(throws: StoreError.self) {
                try await store.setBasicAuth(app: appName("blog"), user: "carol", hash: "plain", actor: "alice")
            }
            #expect(try await store.clearAccess(app: appName("blog"), actor: "alice"))
            #expect(try await store.access(app: appName("blog")) == AccessRecord())
            #expect(try await store.clearAccess(app: appName("blog"), actor: "alice") == false)
            let events = try await store.events(app: appName("blog"), limit: 5).map(\.action)
            #expect(
                events == ["access.clear", "access.basic-auth", "access.basic-auth", "access.deny", "access.allow"])
        }
    }
}

/// Proxies: a name and a host name each taken once, events for each change.
@Suite(.timeLimit(.minutes(2))) struct StoreProxyTests {
    @Test func addListRemove() async throws {
        try await withStore { store, _ in
            try await store.addProxy(appName("nas"), upstream: "http://10.0.0.2", hostname: "nas.localhost", actor: "a")
            await #expect(throws: StoreError.proxyExists(appName("nas"))) {
                try await store.addProxy(appName("nas"), upstream: "http://10.0.0.3", hostname: "x.example", actor: "a")
            }
            await #expect(throws: StoreError.proxyExists(appName("other"))) {
                try await store.addProxy(
                    appName("other"), upstream: "http://10.0.0.3", hostname: "nas.localhost", actor: "a")
            }
            await #expect(throws: StoreError.self) {
                try await store.addProxy(appName("bad"), upstream: "http://a;b", hostname: "bad.localhost", actor: "a")
            }
            #expect(try await store.proxies().map(\.name) == [appName("nas")])
            // A proxy's access rules are its own, and go with it.
            try await store.addAccessRules(app: appName("nas"), allow: true, cidrs: ["10.0.0.0/8"], actor: "a")
            try await store.setBasicAuth(app: appName("nas"), user: "bob", hash: "$6$a$b", actor: "a")
            #expect(try await store.access(app: appName("nas")).allow == ["10.0.0.0/8"])
            try await store.removeProxy(appName("nas"), actor: "a")
            try await store.addProxy(appName("nas"), upstream: "http://10.0.0.2", hostname: "nas.localhost", actor: "a")
            #expect(try await store.access(app: appName("nas")) == AccessRecord())
            try await store.removeProxy(appName("nas"), actor: "a")
            await #expect(throws: StoreError.proxyNotFound(appName("nas"))) {
                try await store.removeProxy(appName("nas"), actor: "a")
            }
            #expect(try await store.events(limit: 2).map(\.action) == ["proxy.remove", "proxy.add"])
            await #expect(throws: StoreError.appNotFound(appName("nas"))) {
                try await store.access(app: appName("nas"))
            }
        }
    }
}
