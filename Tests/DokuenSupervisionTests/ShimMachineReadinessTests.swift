import DokuenSupervision
import Testing

/// STARTING → RUNNING: by staying up (`upFor`), by a `.ready` report, or by port probes; and the start timeout.
@Suite struct ShimMachineReadinessTests {
    /// A machine whose child (pid 100) was spawned at 0.
    private func spawned(_ change: (inout ShimMachine.Settings) -> Void = { _ in }) -> ShimMachine {
        var machine = ShimMachine(settings: .changed(change))
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        return machine
    }

    private let running = MachineSnapshot(
        state: .running, wantUp: true, pid: 100, pgid: 100, childAlive: true, ready: true)

    @Test func upForMakesReadyAtItsDeadline() {
        var machine = spawned()
        let before = machine.snapshot
        #expect(machine.handle(.deadline, at: 999) == [])
        #expect(machine.snapshot == before)
        #expect(machine.handle(.deadline, at: 1_000) == [])
        var expected = running
        expected.since = 1_000
        #expect(machine.snapshot == expected)
    }

    /// A late timer still counts; `since` is when it was handled.
    @Test func upForDeadlineHandledLate() {
        var machine = spawned()
        #expect(machine.handle(.deadline, at: 5_000) == [])
        var expected = running
        expected.since = 5_000
        #expect(machine.snapshot == expected)
    }

    /// A readiness report makes any kind of start RUNNING, and disarms the timer.
    @Test(arguments: [Readiness.upFor(1_000), .port(8080), .notificationFD(3), .notifySocket])
    func readyEventMakesRunning(readiness: Readiness) {
        var machine = spawned { $0.readiness = readiness }
        #expect(machine.handle(.ready, at: 42) == [])
        var expected = running
        expected.since = 42
        #expect(machine.snapshot == expected)
    }

    /// Between a restart's `.spawn` and its `.spawned`, no child runs: a late report of the old one is ignored.
    @Test func readyBeforeSpawnedIsIgnored() {
        var machine = ShimMachine(settings: .changed { $0.readiness = .notifySocket })
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawnFailed("bad user"), at: 0)
        let before = machine.snapshot
        #expect(machine.handle(.ready, at: 1) == [])
        #expect(machine.snapshot == before)
        #expect(machine.state == .starting)
    }

    @Test func portIsProbedEveryIntervalUntilReady() {
        var machine = spawned { $0.readiness = .port(8080) }
        #expect(machine.deadline == 100)
        #expect(machine.handle(.deadline, at: 99) == [])
        #expect(machine.handle(.deadline, at: 100) == [.probePort(8080)])
        #expect(
            machine.snapshot
                == MachineSnapshot(state: .starting, wantUp: true, pid: 100, pgid: 100, childAlive: true, deadline: 200)
        )
        #expect(machine.handle(.deadline, at: 200) == [.probePort(8080)])
        #expect(machine.deadline == 300)
        // Probes are timed from when the timer was handled.
        #expect(machine.handle(.deadline, at: 340) == [.probePort(8080)])
        #expect(machine.deadline == 440)
        #expect(machine.handle(.ready, at: 350) == [])
        var expected = running
        expected.since = 350
        #expect(machine.snapshot == expected)
    }

    /// The last probe timer is cut to the start timeout; when it fires the whole group is killed.
    @Test func portNeverOpenTimesOut() {
        var machine = spawned {
            $0.readiness = .port(8080)
            $0.startTimeout = 250
        }
        #expect(machine.handle(.deadline, at: 100) == [.probePort(8080)])
        #expect(machine.deadline == 200)
        #expect(machine.handle(.deadline, at: 200) == [.probePort(8080)])
        #expect(machine.deadline == 250)
        #expect(machine.handle(.deadline, at: 250) == [.signalGroup(9)])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, pgid: 100, childAlive: true,
                    lastError: "not ready after 250 ms"))
    }

    /// A start timeout is Heroku's R10: SIGKILL to the group; the exit that follows decides what comes next.
    @Test(arguments: [Readiness.notificationFD(3), .notifySocket])
    func notifyStartTimesOut(readiness: Readiness) {
        var machine = spawned {
            $0.readiness = readiness
            $0.startTimeout = 5_000
        }
        #expect(machine.deadline == 5_000)
        #expect(machine.handle(.deadline, at: 4_999) == [])
        #expect(machine.handle(.deadline, at: 5_000) == [.signalGroup(9)])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, pgid: 100, childAlive: true,
                    lastError: "not ready after 5000 ms"))
    }

    /// The start timeout is checked before `upFor` readiness, so a start longer than the timeout fails.
    @Test func upForLongerThanTheStartTimeoutFails() {
        var machine = spawned {
            $0.readiness = .upFor(2_000)
            $0.startTimeout = 1_500
        }
        #expect(machine.handle(.deadline, at: 2_000) == [.signalGroup(9)])
        #expect(machine.state == .starting)
        #expect(machine.lastError == "not ready after 1500 ms")
    }

    /// The killed start is a fast failure: here the group is already gone when the exit is reaped, so no cleanup
    /// signal; the first failure restarts at once. Its error stays until the next spawn succeeds.
    @Test func timedOutStartIsAFastFailure() {
        var machine = spawned {
            $0.readiness = .notifySocket
            $0.startTimeout = 5_000
        }
        _ = machine.handle(.deadline, at: 5_000)
        #expect(machine.handle(.groupGone, at: 5_001) == [])
        #expect(machine.handle(.childExited(.signal(9)), at: 5_001) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, restarts: 1, failures: 1, lastExit: .signal(9),
                    lastError: "not ready after 5000 ms"))
        #expect(machine.handle(.spawned(pid: 101), at: 5_002) == [])
        #expect(machine.lastError == "")
    }

    /// A start that never gets ready fails fast even when it lasted longer than `stableAfter`: the second such
    /// start backs off instead of resetting the series.
    @Test func timedOutStartLongerThanStableAfterIsStillFast() {
        var machine = spawned {
            $0.readiness = .notifySocket
            $0.startTimeout = 5_000
            $0.backoff.stableAfter = 1_000
        }
        _ = machine.handle(.deadline, at: 5_000)
        #expect(machine.handle(.childExited(.signal(9)), at: 5_010) == [.signalGroup(9), .spawn])
        #expect(machine.handle(.groupGone, at: 5_010) == [])
        #expect(machine.handle(.spawned(pid: 101), at: 5_010) == [])
        #expect(machine.deadline == 10_010)
        #expect(machine.handle(.deadline, at: 10_010) == [.signalGroup(9)])
        #expect(machine.handle(.groupGone, at: 10_020) == [])
        #expect(machine.handle(.childExited(.signal(9)), at: 10_020) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .backoff, wantUp: true, pid: 101, restarts: 1, failures: 2, lastExit: .signal(9),
                    lastError: "not ready after 5000 ms", since: 10_020, deadline: 11_020))
    }
}
