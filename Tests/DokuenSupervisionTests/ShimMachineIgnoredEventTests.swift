import DokuenSupervision
import Testing

/// Events that must leave the machine exactly as it was and ask for nothing.
@Suite struct ShimMachineIgnoredEventTests {
    @Test(arguments: [
        // A timer that is not due yet.
        (Scene.starting, ShimMachine.Event.deadline, 999 as Int64),
        (.backoff, .deadline, 3_499),
        (.fatal, .deadline, 300_999),
        (.stopping, .deadline, 31_999),
        (.stoppingAfterExit, .deadline, 31_999),
        // No timer at all.
        (.running, .deadline, 1_000_000),
        (.stopped, .deadline, 1_000_000),
        (.exited, .deadline, 1_000_000),
        // A readiness report outside STARTING.
        (.running, .ready, 1_500),
        (.stopping, .ready, 2_050),
        (.stoppingAfterExit, .ready, 2_150),
        (.stopped, .ready, 2_150),
        (.backoff, .ready, 2_600),
        (.exited, .ready, 600),
        (.fatal, .ready, 1_100),
        // The group was already gone.
        (.stopped, .groupGone, 2_150),
        (.backoff, .groupGone, 2_600),
        (.exited, .groupGone, 600),
        (.fatal, .groupGone, 1_100),
        // Already up, or already down.
        (.starting, .control(.up), 10),
        (.running, .control(.up), 1_500),
        (.stopped, .control(.down), 2_150),
        (.stopping, .control(.down), 2_050),
        (.stoppingAfterExit, .control(.down), 2_150),
    ])
    func eventIsIgnored(scene: Scene, event: ShimMachine.Event, at time: Int64) {
        var machine = scene.machine
        #expect(machine.handle(event, at: time) == [])
        #expect(machine.snapshot == scene.snapshot)
    }
}
