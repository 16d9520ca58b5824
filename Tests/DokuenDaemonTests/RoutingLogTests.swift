import DokuenAPI
import DokuenCore
import DokuenReconciliation
import Testing

@testable import DokuenDaemon

/// The daemon's log line when no web instance of an app is routed any more: every RUNNING instance it lists comes
/// with the reason it takes no requests, and web stopped or scaled to 0 is not an error.
@Suite struct RoutingLogTests {
    func web(_ index: Int, _ release: String, _ state: String, port: Int? = 5001) -> InstanceStatus {
        InstanceStatus(
            app: "blog", type: "web", index: index, release: release, state: state, pid: 10, shimPID: 9, port: port,
            since: 0, restarts: 0, exit: nil)
    }

    @Test func everyRunningInstanceComesWithWhyItIsNotRouted() throws {
        let line = Routing.nothingRouted(
            app: try AppName("blog"), release: try ReleaseID("v3"),
            statuses: [
                web(1, "v2", "RUNNING"), web(2, "v3", "RUNNING"), web(3, "v3", "BACKOFF", port: nil),
                web(4, "v3", "RUNNING"), web(5, "v3", "RUNNING", port: nil),
            ],
            draining: [2], web: DesiredProcess(count: 5, stoppedIndexes: [4]))
        #expect(line.isError)
        #expect(
            line.text
                == "no web instance of v3 can take requests (web.1@v2 RUNNING, not the routed release, "
                + "web.2@v3 RUNNING, draining, web.3@v3 BACKOFF, web.4@v3 RUNNING, not wanted, "
                + "web.5@v3 RUNNING, no port); nginx answers 503")
    }

    @Test func noneRunning() throws {
        let line = Routing.nothingRouted(
            app: try AppName("blog"), release: nil, statuses: [], draining: [], web: DesiredProcess(count: 1))
        #expect(line == (true, "no web instance of any release can take requests (none runs); nginx answers 503"))
    }

    @Test(arguments: [DesiredProcess(count: 0), DesiredProcess(count: 2, stopped: true)])
    func stoppedOrScaledToZeroIsNotAnError(_ web: DesiredProcess) throws {
        let line = Routing.nothingRouted(
            app: try AppName("blog"), release: try ReleaseID("v1"), statuses: [self.web(1, "v1", "STOPPING")],
            draining: [], web: web)
        #expect(line == (false, "web is stopped or scaled to 0; nginx answers 503"))
    }
}
