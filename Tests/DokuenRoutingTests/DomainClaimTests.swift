import DokuenCore
import DokuenRouting
import Testing

/// One host name answers for one thing: the base domain, an app's own name and a held domain are refused as custom
/// domains, and an app is not created under a name whose host name another app holds.
@Suite struct DomainClaimTests {
    let base = try! Hostname("localhost")
    let apps = try! [AppName("blog"), AppName("shop")]
    let holders = try! [Hostname("www.shop.example"): "app shop"]

    func refusal(_ hostname: String, for app: String = "blog") throws -> String? {
        DomainClaim.refusal(
            of: try Hostname(hostname), for: try AppName(app), base: base, apps: apps, holders: holders)
    }

    @Test func aFreeNameIsAccepted() throws {
        #expect(try refusal("blog.example") == nil)
        #expect(try refusal("www.blog.localhost") == nil, "a deeper name under the base is no app's own")
        #expect(try refusal("other.localhost") == nil, "no app called other exists")
    }

    @Test(arguments: [
        ("localhost", "it is the base domain; every app is reached under it, at APP.localhost"),
        ("LocalHost", "it is the base domain; every app is reached under it, at APP.localhost"),
        ("blog.localhost", "it is blog's own host name; every app answers at APP.localhost already"),
        ("shop.localhost", "it is the host name of app shop"),
        ("www.shop.example", "it is already routed to app shop"),
    ])
    func aClaimedNameIsRefused(_ hostname: String, _ reason: String) throws {
        #expect(try refusal(hostname) == reason)
    }

    @Test func anAppWhoseHostNameIsHeldIsNotCreated() throws {
        let held = try [Hostname("news.localhost"): "app shop"]
        #expect(
            DomainClaim.refusal(ofAppNamed: try AppName("news"), base: base, holders: held)
                == "its host name news.localhost is already routed to app shop")
        #expect(DomainClaim.refusal(ofAppNamed: try AppName("blog"), base: base, holders: held) == nil)
    }
}
