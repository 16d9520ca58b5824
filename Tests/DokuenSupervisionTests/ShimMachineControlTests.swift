import DokuenSupervision
import Testing

/// `u`, `r`, `d` and signals from the control FIFO, in every state. Teardowns themselves are in
/// `ShimMachineStopTests`.
@Suite struct ShimMachineControlTests {
    /// With nothing running, `u` and `r` start now, as a fresh series: a pending timer is dropped and the failure
    /// count reset. A start asked for by a person is not counted in `restarts`.
    @Test(arguments: [Scene.stopped, .backoff, .exited, .fatal], [ControlCommand.up, .restart])
    func upWithNothingRunningStartsNow(scene: Scene, command: ControlCommand) {
        var machine = scene.machine
        #expect(machine.handle(.control(command), at: scene.now + 10) == [.spawn])
        var expected = scene.snapshot
        expected.state = .starting
        expected.wantUp = true
        expected.failures = 0
        expected.deadline = nil
        expected.since = scene.now + 10
        #expect(machine.snapshot == expected)
    }

    /// After `u` from FATAL, a failure starts a new series: it is retried at once, not sent back to FATAL.
    @Test func upFromFatalGivesAFullSeries() {
        var machine = Scene.fatal.machine
        _ = machine.handle(.control(.up), at: 2_000)
        #expect(machine.handle(.spawnFailed(Scene.spawnError), at: 2_000) == [.spawn])
        #expect(machine.failures == 1)
        #expect(machine.handle(.spawnFailed(Scene.spawnError), at: 2_000) == [])
        #expect(machine.state == .backoff)
        #expect(machine.deadline == 3_000)
    }

    @Test(arguments: [Scene.starting, .running])
    func upWhileUpChangesNothing(scene: Scene) {
        var machine = scene.machine
        #expect(machine.handle(.control(.up), at: scene.now + 10) == [])
        #expect(machine.snapshot == scene.snapshot)
    }

    /// With nothing running, `d` goes to STOPPED and drops a pending restart; the failure count stays until the
    /// next `u`.
    @Test(arguments: [Scene.backoff, .exited, .fatal])
    func downWithNothingRunningStops(scene: Scene) {
        var machine = scene.machine
        #expect(machine.handle(.control(.down), at: scene.now + 10) == [])
        var expected = scene.snapshot
        expected.state = .stopped
        expected.wantUp = false
        expected.deadline = nil
        expected.since = scene.now + 10
        #expect(machine.snapshot == expected)
        #expect(machine.handle(.deadline, at: 1_000_000) == [])
        #expect(machine.state == .stopped)
    }

    @Test func downWhenStoppedChangesNothing() {
        var machine = Scene.stopped.machine
        #expect(machine.handle(.control(.down), at: 5_000) == [])
        #expect(machine.snapshot == Scene.stopped.snapshot)
    }

    /// `h`, `t`, `k` and `s<N>` go to the main process alone, and only while it is alive; they change no state.
    @Test(arguments: Scene.allCases, ["h", "t", "k", "s10", "s64"])
    func signalGoesToTheLiveMainProcess(scene: Scene, line: String) throws {
        let command = try #require(ControlCommand(line: line))
        guard case .signal(let number) = command else {
            Issue.record("\(line) is not a signal")
            return
        }
        var machine = scene.machine
        let alive = scene.snapshot.childAlive
        #expect(machine.handle(.control(command), at: scene.now + 10) == (alive ? [.signalProcess(number)] : []))
        #expect(machine.snapshot == scene.snapshot)
    }

    @Test func childIsAliveExactlyInTheseScenes() {
        let alive = Scene.allCases.filter(\.snapshot.childAlive)
        #expect(alive == [.starting, .running, .stopping])
    }
}
