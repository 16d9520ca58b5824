import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import Testing

/// One table per rule of `Reconciler.plan`'s documentation; each row is a scenario and the exact plan.
@Suite struct ReconcilerTests {
    @Test(arguments: [
        // A first deploy: every slot of every wanted type starts.
        (
            Scenario(desired: ["blog@v3 web=2 worker=1"], observed: []),
            ["start blog:web.1@v3", "start blog:web.2@v3", "start blog:worker.1@v3"]
        ),
        // dokuend restarted: it re-adopts every live shim, whatever its state, and starts nothing twice.
        (
            Scenario(
                desired: ["blog@v3 web=2 worker=1"],
                observed: ["blog:web.1@v3 running", "blog:web.2@v3 starting", "blog:worker.1@v3 backoff"]),
            []
        ),
        // Only what is missing starts.
        (
            Scenario(desired: ["blog@v3 web=2 worker=1"], observed: ["blog:web.1@v3 running"]),
            ["start blog:web.2@v3", "start blog:worker.1@v3"]
        ),
        // Scaling up adds the next slots.
        (
            Scenario(desired: ["blog@v3 web=3"], observed: ["blog:web.1@v3 running"]),
            ["start blog:web.2@v3", "start blog:web.3@v3"]
        ),
        // Apps are planned together and the starts sorted by instance.
        (
            Scenario(desired: ["shop@v1 web=1", "blog@v2 worker=1 web=1"], observed: []),
            ["start blog:web.1@v2", "start blog:worker.1@v2", "start shop:web.1@v1"]
        ),
    ])
    func rule1StartsEveryMissingSlotOnce(_ scenario: Scenario, _ steps: [String]) {
        #expect(scenario.plannedSteps() == steps)
    }

    @Test func rule1ClampsTheCountToTheLastInstanceNumber() {
        let steps = Scenario(desired: ["blog@v1 web=\(InstanceID.maxIndex + 50)"], observed: []).plannedSteps()
        #expect(steps.count == InstanceID.maxIndex)
        #expect(steps.last == "start blog:web.\(InstanceID.maxIndex)@v1")
    }

    @Test(arguments: [
        // The new instance is missing: start it beside the old one, which keeps serving.
        (["blog:web.1@v2 running"], ["start blog:web.1@v3"]),
        // The new instance is not RUNNING yet, or not any more: the old one keeps serving.
        (["blog:web.1@v2 running", "blog:web.1@v3"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 starting"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 backoff"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 fatal"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 exited"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 exited exit=1"], []),
        // A one-shot instance that finished (EXITED with code 0, which its restart setting allows) is done: the
        // old one goes as it would for a RUNNING one.
        (["blog:web.1@v2 exited exit=0", "blog:web.1@v3 exited exit=0"], ["stop blog:web.1@v2"]),
        (["blog:web.1@v2 running", "blog:web.1@v3 stopping"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 stopped"], []),
        // The new instance is RUNNING (so ready): the cutover completes.
        (["blog:web.1@v2 running", "blog:web.1@v3 running"], ["stop blog:web.1@v2"]),
        // A RUNNING status from a dead shim is no cutover: reap it, start it again, keep the old one.
        (
            ["blog:web.1@v2 running", "blog:web.1@v3 dead running pgid=41"],
            ["reap blog:web.1@v3 pgid 41", "start blog:web.1@v3"]
        ),
        // Every other release of the slot goes, older or newer (a newer one is left by a rolled-back deploy).
        (
            ["blog:web.1@v1 running", "blog:web.1@v2 fatal", "blog:web.1@v3 running", "blog:web.1@v4 running"],
            ["stop blog:web.1@v1", "stop blog:web.1@v2", "stop blog:web.1@v4"]
        ),
        (["blog:web.1@v4 running"], ["start blog:web.1@v3"]),
        // A RUNNING instance of another slot does not count.
        (["blog:web.1@v2 running", "blog:web.2@v3 running"], ["start blog:web.1@v3", "stop blog:web.2@v3"]),
    ])
    func rule2KeepsTheOldReleaseServingUntilTheNewOneRuns(_ observed: [String], _ steps: [String]) {
        #expect(Scenario(desired: ["blog@v3 web=1"], observed: observed).plannedSteps() == steps)
    }

    /// During a cutover the serving release's instances stay up even once the candidate's run; a slot that is not
    /// wanted at all still stops (rule 3).
    @Test(arguments: [
        (["blog:web.1@v2 running", "blog:web.1@v3 running"], [String]()),
        (["blog:web.1@v2 running", "blog:web.1@v3 starting"], []),
        (["blog:web.1@v2 running", "blog:web.1@v3 running", "blog:web.2@v2 running"], ["stop blog:web.2@v2"]),
        (["blog:web.1@v1 running", "blog:web.1@v3 running"], ["stop blog:web.1@v1"]),
    ])
    func rule2KeepsTheServingReleaseDuringACutover(_ observed: [String], _ steps: [String]) {
        #expect(Scenario(desired: ["blog@v3 web=1 serving=v2"], observed: observed).plannedSteps() == steps)
    }

    @Test func rule2CutsOverEachSlotOnItsOwn() {
        // web.2 waits for its new instance while web.1 completes.
        let scenario = Scenario(
            desired: ["blog@v3 web=2"],
            observed: [
                "blog:web.1@v2 running", "blog:web.1@v3 running", "blog:web.2@v2 running", "blog:web.2@v3 starting",
            ])
        #expect(scenario.plannedSteps() == ["stop blog:web.1@v2"])
    }

    @Test(arguments: [
        // Scaled down: the index is above the count.
        (["blog@v3 web=1"], ["start blog:web.1@v3", "stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // Scaled to 0.
        (["blog@v3 web=0"], ["stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // The type is stopped (`dokuen stop blog:web`): nothing of it starts either.
        (["blog@v3 web=2!"], ["stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // The slot alone is stopped (`dokuen stop blog:web.2`): web.1 still starts.
        (["blog@v3 web=2!2"], ["start blog:web.1@v3", "stop blog:web.2@v2", "stop blog:web.2@v3"]),
        (["blog@v3 web=3!1,2"], ["start blog:web.3@v3", "stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // The release dropped the type.
        (["blog@v3 worker=1"], ["start blog:worker.1@v3", "stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // The app has no release.
        (["blog web=2"], ["stop blog:web.2@v2", "stop blog:web.2@v3"]),
        // The app is gone (destroyed).
        (["shop@v1"], ["stop blog:web.2@v2", "stop blog:web.2@v3"]),
        ([], ["stop blog:web.2@v2", "stop blog:web.2@v3"]),
    ])
    func rule3StopsWhatIsNotWantedAtOnce(_ desired: [String], _ expected: [String]) {
        // The old release's instance is RUNNING and the new one is not: for an unwanted slot, both go.
        let scenario = Scenario(desired: desired, observed: ["blog:web.2@v3 starting", "blog:web.2@v2 running"])
        #expect(scenario.plannedSteps() == expected)
    }

    @Test(arguments: [
        // Only web.2 is stopped: web.1 and web.3 keep running, and nothing starts in its place.
        ("blog@v3 web=3!2", [], []),
        ("blog@v3 web=3!2", ["blog:web.2@v3 running"], ["stop blog:web.2@v3"]),
        // A stopped slot above the count stops nothing more; scaled back up, it stays stopped.
        ("blog@v3 web=1!2", [], ["stop blog:web.3@v3"]),
        ("blog@v3 web=4!2", [], ["start blog:web.4@v3"]),
        // A new release: the stopped slot's old instance stops at once, its siblings cut over as usual.
        (
            "blog@v4 web=3!2", ["blog:web.2@v3 running"],
            ["start blog:web.1@v4", "start blog:web.3@v4", "stop blog:web.2@v3"]
        ),
        // A dead shim of a stopped slot is cleaned up and not replaced.
        ("blog@v3 web=3!2", ["blog:web.2@v3 dead running pgid=81"], ["reap blog:web.2@v3 pgid 81"]),
    ])
    func rule3StopsAStoppedSlotAlone(_ desired: String, _ extra: [String], _ expected: [String]) {
        let observed = ["blog:web.1@v3 running", "blog:web.3@v3 running"] + extra
        #expect(Scenario(desired: [desired], observed: observed).plannedSteps() == expected)
    }

    @Test(arguments: [
        // No status, or a status without a process group: nothing is left to kill.
        (["blog:web.1@v3 dead"], ["remove blog:web.1@v3", "start blog:web.1@v3"]),
        (["blog:web.1@v3 dead stopped"], ["remove blog:web.1@v3", "start blog:web.1@v3"]),
        (["blog:web.1@v3 dead exited pgid=0"], ["remove blog:web.1@v3", "start blog:web.1@v3"]),
        (["blog:web.1@v3 dead running pgid=-3"], ["remove blog:web.1@v3", "start blog:web.1@v3"]),
        // A process group may be left: kill it before the replacement starts.
        (["blog:web.1@v3 dead running pgid=77"], ["reap blog:web.1@v3 pgid 77", "start blog:web.1@v3"]),
        (["blog:web.1@v3 dead pgid=77"], ["reap blog:web.1@v3 pgid 77", "start blog:web.1@v3"]),
        // A dead instance of an unwanted slot is cleaned up and not replaced.
        (["blog:web.2@v3 dead running pgid=78"], ["reap blog:web.2@v3 pgid 78", "start blog:web.1@v3"]),
        // A dead instance of an old release is cleaned up; the current one is untouched.
        (["blog:web.1@v2 dead stopping pgid=79", "blog:web.1@v3 running"], ["reap blog:web.1@v2 pgid 79"]),
        (["blog:web.1@v2 dead", "blog:web.1@v3 running"], ["remove blog:web.1@v2"]),
        // Dead in every slot: all the cleanups come first.
        (
            ["blog:web.1@v3 dead", "blog:web.2@v3 dead running pgid=80", "blog:web.3@v3 dead"],
            ["remove blog:web.1@v3", "reap blog:web.2@v3 pgid 80", "remove blog:web.3@v3", "start blog:web.1@v3"]
        ),
    ])
    func rule4CleansUpDeadShimsAndReplacesThemInTheSamePlan(_ observed: [String], _ steps: [String]) {
        #expect(Scenario(desired: ["blog@v3 web=1"], observed: observed).plannedSteps() == steps)
    }

    @Test(arguments: [ShimState.stopped, .starting, .running, .backoff, .stopping, .exited, .fatal])
    func rule5ALiveShimCountsAsLiveInEveryState(_ state: ShimState) {
        let scenario = Scenario(desired: ["blog@v3 web=1"], observed: ["blog:web.1@v3 \(state.name.lowercased())"])
        #expect(scenario.plannedSteps() == [])
    }

    @Test func rule5ALiveShimWithAnUnreadableStatusCountsAsLive() {
        #expect(Scenario(desired: ["blog@v3 web=1"], observed: ["blog:web.1@v3"]).plannedSteps() == [])
    }

    @Test func rule5ALiveShimDownByHandIsNotCountedAsRunning() {
        // `dokuen stop blog:web.1` on the new instance during a cutover leaves the old one serving.
        let scenario = Scenario(
            desired: ["blog@v3 web=1"], observed: ["blog:web.1@v2 running", "blog:web.1@v3 stopped"])
        #expect(scenario.plannedSteps() == [])
    }

    @Test func rule6OrdersCleanupsThenStartsThenStopsEachSortedByInstance() {
        let scenario = Scenario(
            desired: ["wiki@v2 web=1", "blog@v3 web=2 worker=1"],
            observed: [
                "wiki:web.2@v2 running", "blog:worker.1@v3 dead running pgid=12", "blog:web.1@v2 running",
                "blog:web.1@v3 running", "zine:web.1@v1 dead", "blog:clock.1@v3 running", "blog:web.2@v1 dead",
            ])
        #expect(
            scenario.plannedSteps() == [
                "remove blog:web.2@v1", "reap blog:worker.1@v3 pgid 12", "remove zine:web.1@v1",
                "start blog:web.2@v3", "start blog:worker.1@v3", "start wiki:web.1@v2",
                "stop blog:clock.1@v3", "stop blog:web.1@v2", "stop wiki:web.2@v2",
            ])
    }

    @Test func repeatedInputsKeepTheFirstAppAndTheLiveEntry() {
        let scenario = Scenario(
            desired: ["blog@v3 web=1", "blog@v4 web=2"],
            observed: ["blog:web.1@v3 dead running pgid=5", "blog:web.1@v3 running", "blog:web.1@v3 dead"])
        #expect(scenario.plannedSteps() == [])
    }

    @Test func actionsNameTheirInstance() {
        let id = Scenario.instanceID("blog:web.1@v3")
        for action in [ReconcileAction.start(id), .stop(id), .reap(id, pgid: 9), .remove(id)] {
            #expect(action.instance == id)
        }
    }
}
