import Testing

@testable import DokuenCore

@Suite struct FormationTests {
    @Test(arguments: [
        (["web=2", "worker=1"], "web=2 worker=1"),
        (["web=2,worker=1"], "web=2 worker=1"),
        (["web=2,worker=1", "clock=0"], "web=2 worker=1 clock=0"),
        (["web = 3"], "web=3"),
        (["web=100"], "web=100"),
        (["Api-v2=1"], "Api-v2=1"),
    ])
    func parses(_ arguments: [String], _ canonical: String) throws {
        #expect(try Formation.parse(arguments).description == canonical)
    }

    @Test(arguments: [
        (["web"], "expected type=count"),
        (["web=x"], "count \"x\" is not a whole number from 0 to 100"),
        (["web=-1"], "not a whole number"),
        (["web=101"], "not a whole number"),
        (["web=1.5"], "not a whole number"),
        (["web="], "count \"\""),
        (["web=99999999999999999999"], "not a whole number"),
        (["=2"], "process type \"\" is invalid"),
        (["we/b=2"], "process type \"we/b\" is invalid"),
        (["web=1,web=2"], "process type 'web' is given twice"),
        (["web=1", "web=2"], "given twice"),
        (["web=1,"], "empty item"),
        ([], "nothing to scale"),
    ])
    func rejects(_ arguments: [String], _ why: String) {
        do {
            let formation = try Formation.parse(arguments)
            Issue.record("accepted: \(formation)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
            #expect(error.description.hasPrefix("invalid formation"))
        }
    }

    @Test func lookup() throws {
        let formation = try Formation.parse(["web=2,worker=0"])
        #expect(formation[try ProcessType("worker")] == 0)
        #expect(formation[try ProcessType("clock")] == nil)
    }
}

@Suite struct ReleaseIDTests {
    @Test(arguments: [("v1", 1), ("v42", 42), ("v999999999", 999_999_999)])
    func parses(_ text: String, _ number: Int) throws {
        let id = try ReleaseID(text)
        #expect(id.number == number)
        #expect(id.description == text)
    }

    @Test(arguments: [
        ("3", "did you mean v3?"), ("v0", "start at 1"), ("v01", "no leading zeros"), ("v", "expected v<N>"),
        ("V3", "expected v<N>"), ("v-1", "expected v<N>"), ("v1x", "expected v<N>"), ("", "expected v<N>"),
        ("v1000000000", "expected v<N>"), ("v３", "expected v<N>"),
    ])
    func rejects(_ text: String, _ why: String) {
        do {
            let id = try ReleaseID(text)
            Issue.record("accepted \(id)")
        } catch {
            #expect(error.description.contains(why), "\(error.description)")
        }
    }

    @Test func ordersAndSteps() throws {
        #expect(try ReleaseID("v9") < ReleaseID("v10"))
        #expect(ReleaseID.first.next.description == "v2")
    }
}

@Suite struct BuildStampTests {
    @Test(arguments: [
        (0 as Int64, "19700101T000000.000000Z"),
        (1_795_152_063_004_211, "20261120T052103.004211Z"),
        (951_782_400_000_000, "20000229T000000.000000Z"),
        (253_402_300_799_999_999, "99991231T235959.999999Z"),
    ])
    func formatsAndParses(_ microseconds: Int64, _ text: String) throws {
        let stamp = try BuildStamp(microsecondsSinceEpoch: microseconds)
        #expect(stamp.description == text)
        #expect(try BuildStamp(text) == stamp)
    }

    /// Fixed-width names sort as strings exactly as the times sort.
    @Test func namesSortChronologically() throws {
        var random = SplitMix64(seed: 7)
        let stamps = try (0..<500).map { _ in
            try BuildStamp(microsecondsSinceEpoch: Int64(random.next() % UInt64(BuildStamp.validRange.upperBound)))
        }
        #expect(stamps.sorted().map(\.description) == stamps.map(\.description).sorted())
        for stamp in stamps { #expect(try BuildStamp(stamp.description) == stamp) }
    }

    @Test(arguments: [
        "20261122T052103Z", "20261122T052103.123456", "2026112xT052103.123456Z", "20261322T052103.123456Z",
        "20260230T000000.000000Z", "20261122T246103.123456Z", "19691231T235959.999999Z", "../../etc/passwd",
        "20261122T052103.123456Z/", "",
    ])
    func rejects(_ text: String) {
        #expect(throws: CoreError.self) { try BuildStamp(text) }
    }

    @Test func successorIsNextMicrosecond() throws {
        #expect(try BuildStamp("20261122T052103.999999Z").successor.description == "20261122T052104.000000Z")
    }
}

@Suite struct RootDiscoveryTests {
    @Test func daemonRootPrecedence() throws {
        let home = ["HOME": "/home/ann"]
        #expect(
            try RootDiscovery.daemonRoot(flag: "/srv/d/", environment: ["DOKUEN_ROOT": "/x"], isRoot: true) == "/srv/d")
        #expect(try RootDiscovery.daemonRoot(flag: nil, environment: ["DOKUEN_ROOT": "/x"], isRoot: true) == "/x")
        #expect(try RootDiscovery.daemonRoot(flag: nil, environment: home, isRoot: true) == "/var/lib/dokuen")
        #expect(
            try RootDiscovery.daemonRoot(flag: nil, environment: home, isRoot: false) == "/home/ann/.local/share/dokuen"
        )
        #expect(throws: CoreError.self) { try RootDiscovery.daemonRoot(flag: "rel", environment: [:], isRoot: false) }
        #expect(throws: CoreError.self) { try RootDiscovery.daemonRoot(flag: nil, environment: [:], isRoot: false) }
    }

    @Test func clientRootPrefersAUserDaemonWithASocket() throws {
        let home = ["HOME": "/home/ann"]
        let user = "/home/ann/.local/share/dokuen"
        #expect(try RootDiscovery.clientRoot(flag: nil, environment: home) { $0 == user + "/run/dokuend.sock" } == user)
        #expect(try RootDiscovery.clientRoot(flag: nil, environment: home) { _ in false } == "/var/lib/dokuen")
        #expect(try RootDiscovery.clientRoot(flag: "/r", environment: home) { _ in true } == "/r")
    }

    @Test func layoutPathsComeOnlyFromValidatedNames() throws {
        let layout = RootLayout(root: "/r")
        let app = layout.app(try AppName("blog"))
        #expect(app.env == "/r/apps/blog/env")
        #expect(app.log(try ProcessType("web"), index: 2) == "/r/apps/blog/logs/web.2.log")
        #expect(app.build(try BuildStamp("20261122T052103.000001Z")) == "/r/apps/blog/releases/20261122T052103.000001Z")
    }
}
