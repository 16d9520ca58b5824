import DokuenCore
import Testing

@testable import DokuenStore

/// Port leases: the lowest free port of the range, one instance per port (docs/DESIGN.md invariant 5).
@Suite(.timeLimit(.minutes(2))) struct StorePortTests {
    func lease(_ store: Store, _ app: String, _ type: String, _ index: Int, _ release: Int, _ range: ClosedRange<Int>)
        async throws -> Int
    {
        try await store.leasePort(
            app: appName(app), type: processType(type), index: index, release: releaseID(release), range: range,
            actor: "dokuend"
        ).port
    }

    @Test func leasesTakeTheLowestFreePort() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            try await store.createApp(appName("api"), actor: "alice")
            let range = 6000...6009
            #expect(try await lease(store, "blog", "web", 1, 1, range) == 6000)
            #expect(try await lease(store, "blog", "web", 2, 1, range) == 6001)
            #expect(try await lease(store, "api", "web", 1, 1, range) == 6002)
            #expect(try await store.releasePort(6001, actor: "dokuend"))
            #expect(try await lease(store, "blog", "web", 2, 2, range) == 6001)
            #expect(try await lease(store, "blog", "web", 1, 2, range) == 6003)
            // A lease outside this range does not disturb it.
            #expect(try await lease(store, "api", "worker", 1, 1, 7000...7000) == 7000)
            #expect(try await store.portLeases().map(\.port) == [6000, 6001, 6002, 6003, 7000])
            #expect(
                try await store.portLeases(app: appName("api")).map(\.instance) == ["api:web.1@v1", "api:worker.1@v1"])
        }
    }

    /// Ports other programs listen on are skipped, and a range with only those left is exhausted.
    @Test func busyPortsAreSkipped() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let first = try await store.leasePort(
                app: appName("blog"), type: processType("web"), index: 1, release: releaseID(1), range: 6000...6002,
                busy: [6000, 6001], actor: "dokuend")
            #expect(first.port == 6002)
            await #expect(throws: StoreError.self) {
                try await store.leasePort(
                    app: appName("blog"), type: processType("web"), index: 2, release: releaseID(1),
                    range: 6000...6002, busy: [6000, 6001], actor: "dokuend")
            }
        }
    }

    @Test func anInstanceThatAsksAgainKeepsItsLease() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let first = try await lease(store, "blog", "web", 1, 1, 5000...5999)
            let again = try await lease(store, "blog", "web", 1, 1, 5000...5999)
            #expect(first == again)
            #expect(try await store.portLeases().count == 1)
            #expect(try await store.events().filter { $0.action == "port.lease" }.count == 1)
        }
    }

    @Test func anExhaustedRangeIsAnErrorNamingTheInstance() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            #expect(try await lease(store, "blog", "web", 1, 1, 5000...5001) == 5000)
            #expect(try await lease(store, "blog", "web", 2, 1, 5000...5001) == 5001)
            let error = StoreError.portsExhausted(instance: "blog:web.3@v1", range: 5000...5001)
            await #expect(throws: error) { try await lease(store, "blog", "web", 3, 1, 5000...5001) }
            #expect(error.description == "unable to lease a port for blog:web.3@v1: every port in 5000-5001 is leased")
        }
    }

    /// A pass's starts lease together: in order, lowest first, past busy and leased ports, a held lease kept, one
    /// event per new lease; an exhausted range takes none of the batch.
    @Test func aBatchLeasesInOrderAndAllOrNone() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("fleet"), actor: "alice")
            let held = try await lease(store, "fleet", "web", 2, 1, 6000...6009)
            #expect(held == 6000)
            let batch = try await store.leasePorts(
                app: appName("fleet"),
                [
                    (processType("web"), 1, releaseID(1)), (processType("web"), 2, releaseID(1)),
                    (processType("worker"), 1, releaseID(1)),
                ],
                range: 6000...6009, busy: [6001], actor: "dokuend")
            #expect(batch.map(\.port) == [6002, 6000, 6003])
            #expect(batch.map(\.instance) == ["fleet:web.1@v1", "fleet:web.2@v1", "fleet:worker.1@v1"])
            #expect(try await store.events().filter { $0.action == "port.lease" }.count == 3)
            await #expect(throws: StoreError.self) {
                try await store.leasePorts(
                    app: appName("fleet"), (1...8).map { (processType("clock"), $0, releaseID(1)) },
                    range: 6000...6009, actor: "dokuend")
            }
            #expect(try await store.portLeases().map(\.port) == [6000, 6002, 6003])
        }
    }

    @Test(arguments: [0...10, 65_000...65_536])
    func aRangeOutsideTCPPortsIsRefused(_ range: ClosedRange<Int>) async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            await #expect(throws: StoreError.invalidPortRange(range)) {
                try await lease(store, "blog", "web", 1, 1, range)
            }
        }
    }

    @Test func releasingAnUnleasedPortIsHarmless() async throws {
        try await withStore { store, _ in
            try await store.createApp(appName("blog"), actor: "alice")
            let port = try await lease(store, "blog", "web", 1, 1, 5000...5999)
            #expect(try await store.releasePort(port, actor: "dokuend"))
            #expect(try await !store.releasePort(port, actor: "dokuend"))
            #expect(
                try await store.events(limit: 2).map { "\($0.action) \($0.detail)" }
                    == ["port.release 5000 blog:web.1@v1", "port.lease 5000 blog:web.1@v1"])
        }
    }
}
