import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenSupervision
import Testing

@testable import DokuenDaemon

/// The supervisor's pure parts, without a daemon: the desired state from what the store holds and the cutovers under
/// way, the slots it wants, and the status rows the API shows.
struct DesiredStateTests {
    let blog = try! AppName("blog")
    let web = try! ProcessType("web")
    let worker = try! ProcessType("worker")
    let v1 = try! ReleaseID(number: 1)
    let v2 = try! ReleaseID(number: 2)

    func stored(_ counts: [(ProcessType, Int, Bool, Set<Int>)], release: ReleaseID?) -> DesiredState.StoredApp {
        DesiredState.StoredApp(
            app: blog, release: release,
            formation: counts.map {
                FormationRecord(app: blog, type: $0.0, count: $0.1, stopped: $0.2, stoppedIndexes: $0.3)
            })
    }

    func candidate(
        _ scales: [(ProcessType, Int)], keepsServing: Bool, followsStored: Set<ProcessType> = []
    ) throws -> Candidate {
        let build = BuildRecord(
            id: 1, app: blog, stamp: try BuildStamp(microsecondsSinceEpoch: 1_000_000), buildpack: nil, commit: nil,
            processes: [web: "serve", worker: "work"], createdAt: 0)
        return Candidate(
            release: v2, build: build, env: [:],
            formation: Formation(scales: scales.map { Formation.Scale(type: $0.0, count: $0.1) }),
            keepsServing: keepsServing, followsStored: followsStored)
    }

    @Test func withoutACutoverTheLatestReleaseRunsItsFormation() {
        let apps = DesiredState.apps(
            [stored([(web, 2, false, [2]), (worker, 0, false, [])], release: v1)], candidates: [:])
        #expect(
            apps == [
                DesiredApp(
                    app: blog, release: v1,
                    processes: [web: DesiredProcess(count: 2, stoppedIndexes: [2]), worker: DesiredProcess(count: 0)])
            ])
        #expect(DesiredState.wantedSlots(of: apps[0]).map { "\($0.type).\($0.index)" } == ["web.1"])
    }

    @Test func aCandidateBringsItsCountsAndKeepsEachTypesStops() throws {
        let cutover = try candidate([(web, 3)], keepsServing: true)
        let apps = DesiredState.apps(
            [stored([(web, 1, true, []), (worker, 2, false, [])], release: v1)], candidates: [blog: cutover])
        #expect(
            apps == [
                DesiredApp(
                    app: blog, release: v2,
                    processes: [web: DesiredProcess(count: 3, stopped: true), worker: DesiredProcess(count: 0)],
                    serving: v1)
            ])
        #expect(DesiredState.wantedSlots(of: apps[0]).isEmpty, "web is stopped, worker is not in the candidate")
    }

    /// docs/DESIGN.md §2, "Verbs during a deploy": a kept type's count follows the store (a `ps scale` during the
    /// cutover), and a type the candidate adds to an app stopped as a whole comes stopped.
    @Test func keptTypesFollowTheStoreAndNewTypesOfAStoppedAppComeStopped() throws {
        let cutover = try candidate([(web, 1), (worker, 1)], keepsServing: true, followsStored: [web])
        var app = stored([(web, 4, true, [])], release: v1)
        app.stopped = true
        let apps = DesiredState.apps([app], candidates: [blog: cutover])
        #expect(
            apps.first?.processes
                == [web: DesiredProcess(count: 4, stopped: true), worker: DesiredProcess(count: 1, stopped: true)])
        // A followed type without a row yet (a first deploy's) takes the candidate's count.
        let first = DesiredState.apps(
            [stored([], release: nil)],
            candidates: [blog: try candidate([(web, 1)], keepsServing: true, followsStored: [web, worker])])
        #expect(first.first?.processes == [web: DesiredProcess(count: 1)])
    }

    @Test func aStopFirstCandidateKeepsNothingServing() throws {
        let cutover = try candidate([(web, 1)], keepsServing: false)
        let apps = DesiredState.apps([stored([(web, 1, false, [])], release: v1)], candidates: [blog: cutover])
        #expect(apps.first?.serving == nil)
        #expect(apps.first?.release == v2)
    }

    @Test func anAppBeforeItsFirstReleaseWantsNothing() {
        let apps = DesiredState.apps([stored([], release: nil)], candidates: [:])
        #expect(apps == [DesiredApp(app: blog, release: nil)])
    }

    /// A live instance shows its shim's state; a dead shim's directory shows GONE; a slot stopped with no instance
    /// left shows STOPPED; usage is taken only from the shim's own child.
    @Test func statusRowsFollowTheObservedAndTheStopped() throws {
        var running = StatusRecord()
        running.state = .running
        running.shimPID = 100
        running.pid = 101
        var dead = running
        dead.pid = 201
        let observed = [
            ObservedInstance(
                id: try InstanceID(app: blog, type: web, index: 1, release: v1), shimAlive: true, status: running),
            ObservedInstance(
                id: try InstanceID(app: blog, type: worker, index: 1, release: v1), shimAlive: false, status: dead),
        ]
        let desired = [
            DesiredApp(
                app: blog, release: v1,
                processes: [web: DesiredProcess(count: 2, stoppedIndexes: [2]), worker: DesiredProcess(count: 1)])
        ]
        let leases = [PortLease(port: 5000, app: blog, type: web, index: 1, release: v1, leasedAt: 0)]
        let rows = InstanceSupervisor.rows(observed: observed, desired: desired, leases: leases) { pid in
            ProcessUsage(parentPID: pid == 101 ? 100 : 1, residentBytes: 4096, cpuSeconds: 0.5)
        }
        #expect(
            rows.map { "\($0.type).\($0.index) \($0.state)" } == ["web.1 RUNNING", "web.2 STOPPED", "worker.1 GONE"])
        #expect(rows[0].port == 5000 && rows[0].pid == 101 && rows[0].shimPID == 100 && rows[0].rssBytes == 4096)
        #expect(rows[2].pid == nil && rows[2].shimPID == nil && rows[2].rssBytes == nil)
    }
}
