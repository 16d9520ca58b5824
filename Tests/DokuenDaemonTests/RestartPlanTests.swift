import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import Testing

@testable import DokuenDaemon

/// `dokuen restart`'s plan (rolling for web behind nginx, in place otherwise) and the progress of an instance
/// restarted in place, read from its status before the `r` and now.
@Suite struct RestartPlanTests {
    func id(_ app: String, _ type: String, _ index: Int, _ release: String = "v3") throws -> InstanceID {
        try InstanceID(app: AppName(app), type: ProcessType(type), index: index, release: ReleaseID(release))
    }

    @Test func webBehindNginxRollsItsAppAndTheRestRestartsInPlace() throws {
        let chosen = [
            try id("blog", "web", 1), try id("blog", "web", 2), try id("blog", "worker", 1),
            try id("shop", "worker", 1),
            try id("wiki", "web", 1),
        ]
        let plan = RestartPlan.plan(chosen, rolling: true, routes: true)
        #expect(plan.rolling == [try AppName("blog"), try AppName("wiki")])
        #expect(plan.inPlace == [try id("shop", "worker", 1)], "a rolled app's other types go with its new release")

        // Without nginx, or asked for in place, everything restarts in place.
        #expect(RestartPlan.plan(chosen, rolling: true, routes: false) == .init(rolling: [], inPlace: chosen))
        #expect(RestartPlan.plan(chosen, rolling: false, routes: true) == .init(rolling: [], inPlace: chosen))
        // A target without web instances stays in place.
        let workers = [try id("blog", "worker", 1), try id("blog", "worker", 2)]
        #expect(RestartPlan.plan(workers, rolling: true, routes: true) == .init(rolling: [], inPlace: workers))
    }

    func status(_ state: ShimState, since: Int64, pid: Int32, exit: ProcessExit? = nil, error: String = "")
        -> StatusRecord
    {
        var record = StatusRecord()
        record.state = state
        record.sinceMilliseconds = since
        record.pid = pid
        record.lastExit = exit
        record.error = error
        return record
    }

    @Test func anInstanceRestartedInPlaceIsReadyOnlyOnceRunningAfterTheRestart() throws {
        let web = try id("blog", "web", 1)
        let before = status(.running, since: 1000, pid: 40)
        func now(_ record: StatusRecord?, alive: Bool = true) -> ObservedInstance {
            ObservedInstance(id: web, shimAlive: alive, status: record)
        }
        let cases: [(StatusRecord?, Bool, RestartPlan.Progress)] = [
            (before, true, .waiting),  // the `r` is not read yet: its RUNNING says nothing
            (status(.stopping, since: 1001, pid: 40), true, .waiting),
            (status(.starting, since: 1002, pid: 41), true, .waiting),
            (nil, true, .waiting),  // an unreadable status, between two writes
            (status(.running, since: 1500, pid: 41), true, .ready),
            (status(.running, since: 1000, pid: 41), true, .ready),  // a new pid in the same millisecond
            (status(.exited, since: 1500, pid: 0, exit: .code(0)), true, .ready),  // a one-shot type did it again
            (
                status(.backoff, since: 1500, pid: 0, exit: .code(3)), true,
                .failed("it did not start: it exited with code 3")
            ),
            (
                status(.fatal, since: 1500, pid: 0, error: "spawn failed"), true,
                .failed("it did not start: spawn failed")
            ),
            (status(.stopped, since: 1500, pid: 0), true, .failed("it was stopped meanwhile")),
            (before, false, .failed("its shim is gone")),
        ]
        for (record, alive, expected) in cases {
            #expect(
                RestartPlan.progress(before: before, now: now(record, alive: alive)) == expected,
                "\(String(describing: record))")
        }
        #expect(RestartPlan.progress(before: before, now: nil) == .failed("its shim is gone"))
        // An instance that was in BACKOFF before the restart: only a later state counts.
        let failing = status(.backoff, since: 900, pid: 0, exit: .code(1))
        #expect(RestartPlan.progress(before: failing, now: now(failing)) == .waiting)
    }
}
