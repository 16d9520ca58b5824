import DokuenSupervision
import Testing

/// Boot, spawn and spawn failure: how an instance gets from nothing to STARTING, and what a start that cannot even
/// exec does.
@Suite struct ShimMachineStartTests {
    @Test func bootStartsTheChild() {
        var machine = ShimMachine(settings: .init())
        #expect(machine.handle(.boot, at: 5) == [.spawn])
        #expect(machine.snapshot == MachineSnapshot(state: .starting, wantUp: true, since: 5))
    }

    /// `--down`: the shim starts in STOPPED and waits for `u`.
    @Test func bootDownWaitsForUp() {
        var machine = ShimMachine(settings: .changed { $0.startDown = true })
        #expect(machine.handle(.boot, at: 5) == [])
        #expect(machine.snapshot == MachineSnapshot())
        #expect(machine.handle(.control(.up), at: 7) == [.spawn])
        #expect(machine.snapshot == MachineSnapshot(state: .starting, wantUp: true, since: 7))
    }

    /// `spawned` records the child and arms the one timer according to the readiness kind: the end of `upFor`, the
    /// first port probe, or the start timeout when the child itself reports readiness.
    @Test(
        arguments: [
            (Readiness.upFor(1_000), 1_010),
            (.upFor(2_500), 2_510),
            (.port(8080), 110),
            (.notificationFD(3), 60_010),
            (.notifySocket, 60_010),
        ] as [(Readiness, Int64)])
    func spawnedArmsTheReadinessDeadline(readiness: Readiness, deadline: Int64) {
        var machine = ShimMachine(settings: .changed { $0.readiness = readiness })
        #expect(machine.handle(.boot, at: 10) == [.spawn])
        #expect(machine.handle(.spawned(pid: 4242), at: 10) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 4242, pgid: 4242, childAlive: true, since: 10,
                    deadline: deadline))
    }

    /// The probe interval and the start timeout come from the settings.
    @Test(
        arguments: [
            (Readiness.port(8080), 260),
            (.notificationFD(3), 5_010),
            (.notifySocket, 5_010),
        ] as [(Readiness, Int64)])
    func spawnedUsesTheConfiguredIntervals(readiness: Readiness, deadline: Int64) {
        var machine = ShimMachine(
            settings: .changed {
                $0.readiness = readiness
                $0.probeInterval = 250
                $0.startTimeout = 5_000
            })
        _ = machine.handle(.boot, at: 10)
        #expect(machine.handle(.spawned(pid: 7), at: 10) == [])
        #expect(machine.deadline == deadline)
    }

    @Test func firstSpawnFailureRetriesAtOnce() {
        var machine = ShimMachine(settings: .init())
        _ = machine.handle(.boot, at: 0)
        #expect(machine.handle(.spawnFailed("exec: permission denied"), at: 3) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, restarts: 1, failures: 1, lastError: "exec: permission denied"))
    }

    /// A successful spawn clears the error of the failed one.
    @Test func spawnedClearsTheLastError() {
        var machine = ShimMachine(settings: .init())
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawnFailed("exec: permission denied"), at: 0)
        #expect(machine.handle(.spawned(pid: 9), at: 0) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 9, pgid: 9, childAlive: true, restarts: 1, failures: 1,
                    deadline: 1_000))
    }

    /// Spawn failures in a row: the first retry is immediate, then the delays double from `initial` (1000) to the
    /// cap (60000), and the tenth failure makes the state FATAL, which retries after `fatalRetry` (300000).
    @Test func spawnFailuresBackOffThenGoFatal() {
        let error = "exec: no such file or directory"
        var machine = ShimMachine(settings: .init())
        var now: Int64 = 0
        _ = machine.handle(.boot, at: now)
        #expect(machine.handle(.spawnFailed(error), at: now) == [.spawn])
        for (failures, delay) in zip(2..., [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000] as [Int64]) {
            now += 10
            #expect(machine.handle(.spawnFailed(error), at: now) == [])
            #expect(
                machine.snapshot
                    == MachineSnapshot(
                        state: .backoff, wantUp: true, restarts: failures - 1, failures: failures, lastError: error,
                        since: now, deadline: now + delay))
            #expect(machine.handle(.deadline, at: now + delay - 1) == [])
            now += delay
            #expect(machine.handle(.deadline, at: now) == [.spawn])
            #expect(
                machine.snapshot
                    == MachineSnapshot(
                        state: .starting, wantUp: true, restarts: failures, failures: failures, lastError: error,
                        since: now))
        }
        now += 10
        #expect(machine.handle(.spawnFailed(error), at: now) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .fatal, wantUp: true, restarts: 9, failures: 10, lastError: error, since: now,
                    deadline: now + 300_000))

        // FATAL retries slowly, and one more failure goes straight back to FATAL.
        #expect(machine.handle(.deadline, at: now + 299_999) == [])
        now += 300_000
        #expect(machine.handle(.deadline, at: now) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, restarts: 10, failures: 10, lastError: error, since: now))
        now += 10
        #expect(machine.handle(.spawnFailed(error), at: now) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .fatal, wantUp: true, restarts: 10, failures: 11, lastError: error, since: now,
                    deadline: now + 300_000))
    }

    @Test func fatalAfterOneMeansNoRetryBeforeFatalRetry() {
        var machine = ShimMachine(
            settings: .changed {
                $0.backoff.fatalAfter = 1
                $0.backoff.fatalRetry = 7_000
            })
        _ = machine.handle(.boot, at: 0)
        #expect(machine.handle(.spawnFailed("bad user"), at: 5) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .fatal, wantUp: true, failures: 1, lastError: "bad user", since: 5, deadline: 7_005))
    }
}
