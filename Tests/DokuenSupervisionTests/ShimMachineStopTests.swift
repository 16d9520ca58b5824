import DokuenSupervision
import Testing

/// The teardown: the stop signal and SIGCONT to the group, STOPPING until both the main process and its group are
/// gone, SIGKILL after `stopTimeout`, giving up after `killGrace`; and what follows it (`d` stay, `r` and `u`
/// start again, `x` and SIGTERM exit the shim).
@Suite struct ShimMachineStopTests {
    /// Both orders in which a teardown can end.
    enum Ending: String, CaseIterable, Sendable {
        case childFirst
        case groupFirst
    }

    /// Ends the teardown with the main process exiting by `exit` at `time` and its group gone 100 ms later (or the
    /// other way round), and returns the actions of the second event; the first must return none.
    private func end(
        _ machine: inout ShimMachine, _ ending: Ending = .childFirst, exit: ProcessExit = .signal(15),
        at time: Int64
    ) -> [ShimMachine.Action] {
        switch ending {
        case .childFirst:
            #expect(machine.handle(.childExited(exit), at: time) == [])
            return machine.handle(.groupGone, at: time + 100)
        case .groupFirst:
            #expect(machine.handle(.groupGone, at: time) == [])
            return machine.handle(.childExited(exit), at: time + 100)
        }
    }

    @Test func downInRunningSendsTheStopSignalThenSIGCONT() {
        var machine = Scene.running.machine
        #expect(machine.handle(.control(.down), at: 2_000) == [.signalGroup(15), .signalGroup(18)])
        #expect(machine.snapshot == Scene.stopping.snapshot)
    }

    @Test func downInStarting() {
        var machine = Scene.starting.machine
        #expect(machine.handle(.control(.down), at: 500) == [.signalGroup(15), .signalGroup(18)])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .stopping, pid: 100, pgid: 100, childAlive: true, since: 500, deadline: 30_500))
    }

    @Test(arguments: [Signals.interrupt, Signals.quit, Signals.user1, Signals.hangup])
    func configuredStopSignalAndTimeout(signal: Int32) {
        var machine = ShimMachine(
            settings: .changed {
                $0.stopSignal = signal
                $0.stopTimeout = 10_000
            })
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        _ = machine.handle(.deadline, at: 1_000)
        #expect(machine.handle(.control(.down), at: 2_000) == [.signalGroup(signal), .signalGroup(18)])
        #expect(machine.deadline == 12_000)
    }

    /// STOPPED needs both the exit of the main process and the end of its group, in either order. An exit during
    /// a teardown is no failure and restarts nothing.
    @Test(arguments: Ending.allCases)
    func teardownEndsWhenChildAndGroupAreGone(ending: Ending) {
        var machine = Scene.stopping.machine
        switch ending {
        case .childFirst:
            #expect(machine.handle(.childExited(.signal(15)), at: 2_100) == [])
            #expect(machine.snapshot == Scene.stoppingAfterExit.snapshot)
            #expect(machine.handle(.groupGone, at: 2_200) == [])
        case .groupFirst:
            #expect(machine.handle(.groupGone, at: 2_100) == [])
            #expect(
                machine.snapshot
                    == MachineSnapshot(
                        state: .stopping, pid: 100, childAlive: true, ready: true, since: 2_000, deadline: 32_000))
            #expect(machine.handle(.childExited(.signal(15)), at: 2_200) == [])
        }
        #expect(machine.snapshot == MachineSnapshot(state: .stopped, lastExit: .signal(15), since: 2_200))
    }

    /// After `stopTimeout` the group gets SIGKILL, and `killGrace` more to go away.
    @Test(arguments: Ending.allCases)
    func stopTimeoutSendsSIGKILL(ending: Ending) {
        var machine = Scene.stopping.machine
        let before = machine.snapshot
        #expect(machine.handle(.deadline, at: 31_999) == [])
        #expect(machine.snapshot == before)
        #expect(machine.handle(.deadline, at: 32_000) == [.signalGroup(9)])
        var expected = before
        expected.deadline = 37_000
        #expect(machine.snapshot == expected)
        #expect(end(&machine, ending, exit: .signal(9), at: 32_100) == [])
        #expect(machine.snapshot == MachineSnapshot(state: .stopped, lastExit: .signal(9), since: 32_200))
    }

    /// The main process exited but its group outlives the stop signal: it gets SIGKILL too.
    @Test func lingeringGroupGetsSIGKILL() {
        var machine = Scene.stoppingAfterExit.machine
        #expect(machine.handle(.deadline, at: 32_000) == [.signalGroup(9)])
        #expect(machine.deadline == 37_000)
        #expect(machine.handle(.groupGone, at: 32_050) == [])
        #expect(machine.snapshot == MachineSnapshot(state: .stopped, lastExit: .signal(15), since: 32_050))
    }

    @Test func killGraceComesFromTheSettings() {
        var machine = ShimMachine(
            settings: .changed {
                $0.killGrace = 1_000
                $0.stopTimeout = 2_000
            })
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        _ = machine.handle(.control(.down), at: 10)
        #expect(machine.handle(.deadline, at: 2_010) == [.signalGroup(9)])
        #expect(machine.deadline == 3_010)
    }

    /// A group that survives SIGKILL (a process in D state) is given up on after `killGrace`: the machine forgets it,
    /// says so in `lastError`, and goes on with what the teardown was for.
    @Test(arguments: [
        (ShimMachine.Event.control(.down), [ShimMachine.Action](), ShimState.stopped, false),
        (.control(.exit), [.exit(0)], .stopped, false),
        (.terminate, [.exit(0)], .stopped, false),
        (.control(.restart), [.spawn], .starting, true),
    ])
    func groupThatSurvivesSIGKILLIsGivenUp(
        command: ShimMachine.Event, actions: [ShimMachine.Action], state: ShimState, wantUp: Bool
    ) {
        var machine = Scene.running.machine
        #expect(machine.handle(command, at: 2_000) == [.signalGroup(15), .signalGroup(18)])
        #expect(machine.handle(.deadline, at: 32_000) == [.signalGroup(9)])
        #expect(machine.handle(.deadline, at: 36_999) == [])
        #expect(machine.handle(.deadline, at: 37_000) == actions)
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: state, wantUp: wantUp, lastError: "process group 100 or a descendant survived SIGKILL",
                    since: 37_000))
    }

    /// `r` stops the child, then starts it again as a fresh series: failures are reset, restarts (which count only
    /// the shim's own restarts) are not.
    @Test(arguments: Ending.allCases)
    func restartGoesThroughStopping(ending: Ending) {
        var machine = ShimMachine(settings: .init())
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        _ = machine.handle(.groupGone, at: 500)
        #expect(machine.handle(.childExited(.code(1)), at: 500) == [.spawn])
        _ = machine.handle(.spawned(pid: 101), at: 500)
        _ = machine.handle(.deadline, at: 1_500)
        #expect(machine.failures == 1)
        #expect(machine.handle(.control(.restart), at: 2_000) == [.signalGroup(15), .signalGroup(18)])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .stopping, wantUp: true, pid: 101, pgid: 101, childAlive: true, ready: true, restarts: 1,
                    failures: 1, lastExit: .code(1), since: 2_000, deadline: 32_000))
        #expect(end(&machine, ending, at: 2_100) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(state: .starting, wantUp: true, restarts: 1, lastExit: .signal(15), since: 2_200))
        #expect(machine.handle(.spawned(pid: 102), at: 2_200) == [])
        #expect(machine.deadline == 3_200)
    }

    @Test func restartInStarting() {
        var machine = Scene.starting.machine
        #expect(machine.handle(.control(.restart), at: 500) == [.signalGroup(15), .signalGroup(18)])
        #expect(machine.state == .stopping)
        #expect(machine.wantUp)
        #expect(end(&machine, at: 600) == [.spawn])
        #expect(machine.state == .starting)
    }

    /// While STOPPING, `u`, `d` and `r` only change what follows the teardown: no signal is sent again, and the
    /// timer keeps running.
    @Test(arguments: [
        (ShimMachine.Event.control(.down), ShimMachine.Event.control(.up), [ShimMachine.Action.spawn], true),
        (.control(.down), .control(.restart), [.spawn], true),
        (.control(.restart), .control(.down), [], false),
        (.control(.restart), .control(.up), [.spawn], true),
        (.control(.down), .control(.down), [], false),
        (.control(.restart), .control(.restart), [.spawn], true),
    ])
    func commandWhileStoppingDecidesWhatFollows(
        first: ShimMachine.Event, second: ShimMachine.Event, actions: [ShimMachine.Action], wantUp: Bool
    ) {
        var machine = Scene.running.machine
        #expect(machine.handle(first, at: 2_000) == [.signalGroup(15), .signalGroup(18)])
        #expect(machine.handle(second, at: 2_050) == [])
        #expect(machine.state == .stopping)
        #expect(machine.wantUp == wantUp)
        #expect(machine.deadline == 32_000)
        #expect(end(&machine, at: 2_100) == actions)
        #expect(machine.state == (actions.isEmpty ? .stopped : .starting))
        #expect(machine.wantUp == wantUp)
    }

    /// `x` and SIGTERM to the shim: the child is torn down, then the shim exits 0.
    @Test(arguments: [ShimMachine.Event.control(.exit), .terminate])
    func exitStopsTheChildThenTheShim(event: ShimMachine.Event) {
        var machine = Scene.running.machine
        #expect(machine.handle(event, at: 2_000) == [.signalGroup(15), .signalGroup(18)])
        #expect(machine.snapshot == Scene.stopping.snapshot)
        #expect(end(&machine, at: 2_100) == [.exit(0)])
        #expect(machine.snapshot == MachineSnapshot(state: .stopped, lastExit: .signal(15), since: 2_200))
    }

    /// With nothing running, `x` and SIGTERM exit at once; a pending restart timer is dropped.
    @Test(arguments: [Scene.stopped, .backoff, .exited, .fatal], [ShimMachine.Event.control(.exit), .terminate])
    func exitWithNothingRunningIsImmediate(scene: Scene, event: ShimMachine.Event) {
        var machine = scene.machine
        #expect(machine.handle(event, at: scene.now + 10) == [.exit(0)])
        var expected = scene.snapshot
        expected.state = .stopped
        expected.wantUp = false
        expected.deadline = nil
        if scene != .stopped { expected.since = scene.now + 10 }
        #expect(machine.snapshot == expected)
    }

    /// An exit already decided is not undone by `u`, nor by a second `x` or SIGTERM.
    @Test(arguments: [
        (ShimMachine.Event.control(.exit), ShimMachine.Event.control(.up), true),
        (.terminate, .control(.up), true),
        (.control(.exit), .terminate, false),
        (.terminate, .control(.exit), false),
    ])
    func exitWhileStoppingStaysAnExit(first: ShimMachine.Event, second: ShimMachine.Event, wantUp: Bool) {
        var machine = Scene.running.machine
        _ = machine.handle(first, at: 2_000)
        #expect(machine.handle(second, at: 2_050) == [])
        #expect(machine.wantUp == wantUp)
        #expect(end(&machine, at: 2_100) == [.exit(0)])
        #expect(machine.state == .stopped)
    }

    /// `x` or SIGTERM during a teardown for `d` or `r` turns it into one for exiting.
    @Test(
        arguments: [ShimMachine.Event.control(.down), .control(.restart)],
        [
            ShimMachine.Event.control(.exit), .terminate,
        ])
    func exitDuringAnotherTeardown(first: ShimMachine.Event, second: ShimMachine.Event) {
        var machine = Scene.running.machine
        _ = machine.handle(first, at: 2_000)
        #expect(machine.handle(second, at: 2_050) == [])
        #expect(machine.wantUp == false)
        #expect(machine.deadline == 32_000)
        #expect(end(&machine, at: 2_100) == [.exit(0)])
        #expect(machine.state == .stopped)
    }
}
