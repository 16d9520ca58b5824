import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenSupervision
import TestSupport
import Testing

@testable import DokuenDaemon

/// `ObservedFleet`: the first look reads every service directory, a later one only the instances named as changed,
/// and `forgetAll` reads everything again. What a look returns is what the `status` files said when last read.
@Suite(.timeLimit(.minutes(1))) struct ObservedFleetTests {
    func write(_ state: ShimState, restarts: Int = 0, to directory: String) throws {
        var record = StatusRecord()
        record.state = state
        record.restarts = restarts
        try Posix.mkdir(directory, existingOK: true)
        try AtomicFile.write(Array(record.encoded().utf8), to: directory + "/status")
    }

    @Test func aLookReadsAgainOnlyWhatChanged() throws {
        let temp = try TemporaryDirectory("observed-fleet")
        defer { temp.remove() }
        let layout = RootLayout(root: temp("root"))
        let observer = InstanceObserver(layout: layout)
        let web = try InstanceID(
            app: AppName("fleetobs"), type: ProcessType("web"), index: 1, release: ReleaseID(number: 1))
        let worker = try InstanceID(
            app: AppName("fleetobs"), type: ProcessType("worker"), index: 1, release: ReleaseID(number: 1))
        for directory in [layout.root] + layout.directories { try Posix.mkdir(directory, existingOK: true) }
        try Posix.mkdir(layout.serviceDirectory + "/fleetobs", existingOK: true)
        try write(.starting, to: layout.serviceDirectory(web))
        try write(.starting, to: layout.serviceDirectory(worker))

        var fleet = ObservedFleet()
        #expect(try fleet.look(observer).map(\.id) == [web, worker])
        #expect(try fleet.look(observer).map(\.status?.state) == [.starting, .starting])

        // Unnamed changes are not read: no directory is listed and no file opened for a look.
        try write(.running, to: layout.serviceDirectory(web))
        try write(.running, to: layout.serviceDirectory(worker))
        #expect(try fleet.look(observer).map(\.status?.state) == [.starting, .starting])

        // A named one is, as the file has it now.
        fleet.changed(web)
        #expect(try fleet.look(observer).map(\.status?.state) == [.running, .starting])

        // A named instance whose directory is gone leaves the view.
        try Posix.removeTree(layout.serviceDirectory(web))
        fleet.changed(web)
        #expect(try fleet.look(observer).map(\.id) == [worker])

        // After `forgetAll`, everything is read again, a directory nobody named included.
        try write(.backoff, restarts: 2, to: layout.serviceDirectory(web))
        fleet.forgetAll()
        let all = try fleet.look(observer)
        #expect(all.map(\.id) == [web, worker])
        #expect(all.map(\.status?.state) == [.backoff, .running])
        #expect(all.allSatisfy { !$0.shimAlive })
    }

    @Test func aShimsEventDirectoryNamesItsInstance() throws {
        let layout = RootLayout(root: "/srv/dokuen")
        let observer = InstanceObserver(layout: layout)
        let id = try InstanceID(
            app: AppName("fleetobs"), type: ProcessType("web"), index: 2, release: ReleaseID(number: 7))
        #expect(observer.instance(directory: layout.serviceDirectory(id)) == id)
        #expect(observer.instance(directory: layout.runDirectory + "/addons/db") == nil)
        #expect(observer.instance(directory: layout.runDirectory + "/cron/fleetobs/1") == nil)
        #expect(observer.instance(directory: "/elsewhere/fleetobs/web.2@v7") == nil)
        #expect(observer.instance(directory: "/srv/dokuen-link/run/svc/fleetobs/web.2@v7") == id)
    }
}
