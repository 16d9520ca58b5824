import DokuenCore
import DokuenPosix
import Testing

@testable import DokuenRouting

/// Every byte of the generated nginx files, pinned by golden files (Golden/*.conf); NginxSyntaxTests proves the
/// same files valid with the real nginx.
@Suite struct NginxRendererTests {
    @Test(arguments: try RouteFixtures.all().map(\.0))
    func matchesItsGolden(_ name: String) throws {
        let route = try #require(try RouteFixtures.all().first { $0.0 == name }?.1)
        try GoldenFile(name: name).check(NginxRenderer.render(route))
    }

    @Test func sharedFileMatchesItsGolden() throws {
        try GoldenFile(name: NginxRenderer.sharedFileName).check(NginxRenderer.renderShared(.standard))
    }

    @Test func everyGoldenIsCheckedAndNoneIsStale() throws {
        let expected = try Set(RouteFixtures.all().map(\.0) + [NginxRenderer.sharedFileName])
        let present = try Set(Posix.listDirectory(GoldenFile.directory).filter { $0.hasSuffix(".conf") })
        #expect(present == expected)
    }

    @Test func theAppsOwnNameComesFirstThenCustomDomainsSortedOnce() throws {
        let route = try #require(try RouteFixtures.all().first { $0.0 == "custom-domains.conf" }?.1)
        #expect(
            route.hostnames.map(\.rawValue) == [
                "shop.localhost", "shop.example", "www.shop.example", "xn--bcher-kva.example",
            ])
    }

    @Test func sameInputSameBytes() throws {
        let first = try RouteFixtures.all().map { NginxRenderer.render($0.1) }
        let second = try RouteFixtures.all().map { NginxRenderer.render($0.1) }
        #expect(first == second)
    }

    /// A 63-character app name under a long base domain would make a hostname past 253 characters: refused when
    /// the route is built, not rendered.
    @Test func anAppNameTooLongForTheBaseDomainIsRefused() throws {
        var settings = RouteSettings.standard
        let label = String(repeating: "b", count: 63)
        settings.baseDomain = try Hostname([label, label, label].joined(separator: "."))
        #expect(throws: RoutingError.self) {
            try RouteConfig(
                app: AppName(String(repeating: "a", count: 63)), domains: [], backend: .proxy(ports: []), tls: nil,
                settings: settings)
        }
    }

    @Test func fileNames() throws {
        #expect(NginxRenderer.fileName(for: try AppName("blog")) == "blog.conf")
        // `_` cannot start an app name, so the shared file never collides with an app's.
        #expect(throws: CoreError.self) { try AppName("_dokuen") }
    }
}
