import DokuenCore
import Testing

@testable import DokuenStore

/// Domains: hostnames routed to apps, unique across apps.
@Suite(.timeLimit(.minutes(2))) struct StoreDomainTests {
    @Test func aDomainBelongsToOneAppAndIsStoredLowercase() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("api"), actor: "alice")
            let added = try await store.addDomain("Blog.Example.COM", app: appName("blog"), actor: "alice")
            #expect(added.hostname == "blog.example.com")
            await #expect(throws: StoreError.domainExists("blog.example.com")) {
                try await store.addDomain("blog.example.com", app: appName("api"), actor: "bob")
            }
            try await store.addDomain("api.example.com", app: appName("api"), actor: "bob")
            #expect(try await store.domains().map(\.hostname) == ["api.example.com", "blog.example.com"])
            #expect(try await store.domains(app: appName("blog")) == [added])
            try await store.removeDomain("BLOG.example.com", actor: "alice")
            await #expect(throws: StoreError.domainNotFound("blog.example.com")) {
                try await store.removeDomain("blog.example.com", actor: "alice")
            }
            #expect(
                try await store.events(app: appName("blog"), limit: 2).map(\.action) == ["domain.remove", "domain.add"])
        }
    }

    @Test(arguments: ["", "a b.com", "x;y.com", ".example.com", "a..b", String(repeating: "a", count: 254)])
    func anInvalidHostnameIsRefusedWithAReason(_ hostname: String) async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect {
                try await store.addDomain(hostname, app: appName("blog"), actor: "alice")
            } throws: { error in
                guard case .invalidHostname(let refused, _) = error as? StoreError else { return false }
                return refused == hostname
            }
        }
    }
}
