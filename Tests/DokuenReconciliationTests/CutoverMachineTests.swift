import DokuenReconciliation
import Testing

/// One scene per rule of `CutoverMachine`'s documentation: the exact actions of each event, a cutover driven end to
/// end, every phase restarted, and every event a phase ignores.
@Suite struct CutoverMachineTests {
    typealias Machine = CutoverMachine
    static let full = Machine.Plan(
        makesBuild: true, stopsServingFirst: false, checksWeb: true, routes: true, replacesServing: true)

    /// Drives a machine with `.begin` then `.stepDone` for every step; returns every action in order.
    static func drive(_ plan: Machine.Plan, failingAt failure: CutoverPhase? = nil) -> (Machine, [Machine.Action]) {
        var machine = Machine(plan: plan)
        var all: [Machine.Action] = []
        var actions = machine.handle(.begin)
        while !actions.isEmpty {
            all += actions
            guard case .run = actions.last else { break }
            actions = machine.handle(machine.phase == failure ? .stepFailed("boom") : .stepDone)
        }
        return (machine, all)
    }

    // Rules 1 and 2: the whole path, each phase recorded before its step.
    @Test func aDeployWalksEveryPhase() {
        let (machine, actions) = Self.drive(Self.full)
        #expect(
            actions == [
                .record(.building), .run(.build), .record(.built), .record(.starting),
                .run(.startCandidate(stopServingFirst: false)), .record(.checking), .run(.check), .record(.routing),
                .run(.route), .record(.recording), .run(.recordRelease), .record(.recorded), .run(.switchLinks),
                .record(.stoppingOld), .run(.stopOld), .record(.pruning), .run(.prune), .record(.done),
                .finish(.succeeded),
            ])
        #expect(machine.phase == .done)
    }

    @Test func aFirstConfigChangeWithoutWebNginxOrServingSkipsTheirSteps() {
        let (_, actions) = Self.drive(Machine.Plan(makesBuild: false))
        #expect(
            actions == [
                .record(.starting), .run(.startCandidate(stopServingFirst: false)), .record(.recording),
                .run(.recordRelease), .record(.recorded), .run(.switchLinks), .record(.pruning), .run(.prune),
                .record(.done), .finish(.succeeded),
            ])
    }

    @Test func zeroDowntimeOffStopsTheServingReleaseFirst() {
        var machine = Machine(plan: Machine.Plan(makesBuild: false, stopsServingFirst: true, replacesServing: true))
        #expect(machine.handle(.begin) == [.record(.starting), .run(.startCandidate(stopServingFirst: true))])
    }

    // Rule 1: every batch ends with its only run or finish.
    @Test(arguments: CutoverPhase.allCases)
    func eachBatchHasOneRunOrFinishAndItIsLast(_ failure: CutoverPhase) {
        var machine = Machine(plan: Self.full)
        var actions = machine.handle(.begin)
        while !actions.isEmpty {
            let ends = actions.filter { if case .run = $0 { true } else if case .finish = $0 { true } else { false } }
            #expect(ends.count == 1)
            #expect(ends.first == actions.last)
            guard case .run = actions.last else { break }
            actions = machine.handle(machine.phase == failure ? .stepFailed("boom") : .stepDone)
        }
    }

    // Rule 3: a failure before the release is recorded withdraws; after it, it is logged.
    @Test(arguments: [
        (CutoverPhase.building, [Machine.Action.record(.withdrawn), .discardBuild, .finish(.failed("boom"))]),
        (.starting, [.record(.withdrawn), .withdraw, .discardBuild, .finish(.failed("boom"))]),
        (.checking, [.record(.withdrawn), .withdraw, .discardBuild, .finish(.failed("boom"))]),
        (.routing, [.record(.withdrawn), .withdraw, .discardBuild, .finish(.failed("boom"))]),
        (.recording, [.record(.withdrawn), .withdraw, .discardBuild, .finish(.failed("boom"))]),
        (.recorded, [.log("boom"), .record(.stoppingOld), .run(.stopOld)]),
        (.stoppingOld, [.log("boom"), .record(.pruning), .run(.prune)]),
        (.pruning, [.log("boom"), .record(.done), .finish(.succeeded)]),
    ])
    func aFailingStep(_ phase: CutoverPhase, _ expected: [Machine.Action]) {
        var machine = Machine(plan: Self.full, recordedPhase: phase)
        #expect(machine.handle(.stepFailed("boom")) == expected)
    }

    @Test func aConfigChangeThatFailsKeepsTheBuildItReused() {
        var machine = Machine(plan: Machine.Plan(makesBuild: false), recordedPhase: .starting)
        #expect(machine.handle(.stepFailed("boom")) == [.record(.withdrawn), .withdraw, .finish(.failed("boom"))])
        #expect(machine.phase == .withdrawn)
    }

    @Test(arguments: CutoverPhase.allCases)
    func theOutcomeIsSuccessExactlyWhenTheReleaseWasRecorded(_ failure: CutoverPhase) {
        let (machine, actions) = Self.drive(Self.full, failingAt: failure)
        guard case .finish(let outcome) = actions.last else {
            Issue.record("no finish: \(actions)")
            return
        }
        let recorded = actions.contains(.record(.recorded))
        #expect((outcome == .succeeded) == recorded)
        #expect(machine.phase == (recorded ? .done : .withdrawn))
    }

    // Rule 4: a restart in each phase.
    @Test(arguments: [
        (
            CutoverPhase.building, false,
            [
                Machine.Action.killBuild, .record(.withdrawn), .discardBuild,
                .finish(.failed("dokuend restarted while building; the release before it serves")),
            ]
        ),
        (
            .built, false,
            [
                .record(.withdrawn), .withdraw, .discardBuild,
                .finish(
                    .failed("dokuend restarted while about to start the candidate; the release before it serves")),
            ]
        ),
        (
            .starting, false,
            [
                .record(.withdrawn), .withdraw, .discardBuild,
                .finish(.failed("dokuend restarted while starting the candidate; the release before it serves")),
            ]
        ),
        (
            .checking, false,
            [
                .record(.withdrawn), .withdraw, .discardBuild,
                .finish(.failed("dokuend restarted while checking the candidate; the release before it serves")),
            ]
        ),
        (
            .routing, false,
            [
                .record(.withdrawn), .withdraw, .discardBuild,
                .finish(.failed("dokuend restarted while routing to the candidate; the release before it serves")),
            ]
        ),
        (
            .recording, false,
            [
                .record(.withdrawn), .withdraw, .discardBuild,
                .finish(.failed("dokuend restarted while recording the release; the release before it serves")),
            ]
        ),
        (.recording, true, [.record(.recorded), .run(.switchLinks)]),
        (.routing, true, [.record(.recorded), .run(.switchLinks)]),
        (.recorded, true, [.run(.switchLinks)]),
        (.stoppingOld, true, [.run(.stopOld)]),
        (.pruning, true, [.run(.prune)]),
        (.done, true, [.finish(.succeeded)]),
        (
            .withdrawn, false,
            [
                .withdraw, .discardBuild,
                .finish(.failed("dokuend restarted while withdrawing the candidate; the release before it serves")),
            ]
        ),
    ])
    func aRestart(_ phase: CutoverPhase, _ recorded: Bool, _ expected: [Machine.Action]) {
        var machine = Machine(plan: Self.full, recordedPhase: phase)
        #expect(machine.handle(.restarted(releaseRecorded: recorded)) == expected)
    }

    @Test(arguments: CutoverPhase.allCases)
    func aCutoverRestartedInAnyPhaseEndsWithTheTruth(_ phase: CutoverPhase) {
        for recorded in [false, true] where !(phase.isRecorded && !recorded) {
            var machine = Machine(plan: Self.full, recordedPhase: phase)
            var actions = machine.handle(.restarted(releaseRecorded: recorded))
            var all = actions
            while case .run = actions.last {
                actions = machine.handle(.stepDone)
                all += actions
            }
            let succeeded = phase.isRecorded || (recorded && phase != .building && phase != .withdrawn)
            #expect(all.last == (succeeded ? .finish(.succeeded) : all.last))
            if case .finish(.failed) = all.last { #expect(!succeeded) }
            #expect(all.contains(.killBuild) == (phase == .building))
        }
    }

    // Rule 5: an event a phase does not expect changes nothing and does nothing.
    @Test func everyIgnoredEventChangesNothing() {
        let ignored: [(CutoverPhase?, Machine.Event)] =
            [(nil, .stepDone), (nil, .stepFailed("boom")), (nil, .restarted(releaseRecorded: false))]
            + CutoverPhase.allCases.map { ($0, .begin) }
            + [CutoverPhase.done, .withdrawn].flatMap { phase in
                [Machine.Event.stepDone, .stepFailed("boom")].map { (phase, $0) }
            }
        for (phase, event) in ignored {
            var machine = phase.map { Machine(plan: Self.full, recordedPhase: $0) } ?? Machine(plan: Self.full)
            let before = machine
            #expect(machine.handle(event) == [], "\(String(describing: phase)) \(event)")
            #expect(machine == before, "\(String(describing: phase)) \(event)")
        }
    }
}
