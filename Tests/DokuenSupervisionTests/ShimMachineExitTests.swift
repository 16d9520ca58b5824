import DokuenSupervision
import Testing

/// The main process exits on its own in STARTING or RUNNING: the restart policy, the immediate first restart, the
/// doubling delays, the reset after a stable run, FATAL, and the cleanup of leftovers in the process group.
@Suite struct ShimMachineExitTests {
    /// A machine whose child (pid 100) was spawned at 0 and, if `ready`, became RUNNING at 1000.
    private func machine(
        ready: Bool, _ change: (inout ShimMachine.Settings) -> Void = { _ in }
    ) -> ShimMachine {
        var machine = ShimMachine(settings: .changed(change))
        _ = machine.handle(.boot, at: 0)
        _ = machine.handle(.spawned(pid: 100), at: 0)
        if ready { _ = machine.handle(.deadline, at: 1_000) }
        return machine
    }

    static let policyTable: [(RestartPolicy, ProcessExit, Bool)] = [
        (.always, .code(0), true),
        (.always, .code(1), true),
        (.always, .signal(9), true),
        (.always, .signal(15), true),
        (.never, .code(0), false),
        (.never, .code(1), false),
        (.never, .signal(9), false),
        (.onFailure(okCodes: [0]), .code(0), false),
        (.onFailure(okCodes: [0]), .code(1), true),
        (.onFailure(okCodes: [0]), .code(255), true),
        (.onFailure(okCodes: [0]), .signal(15), true),
        (.onFailure(okCodes: [0, 3]), .code(3), false),
        (.onFailure(okCodes: [0, 3]), .code(2), true),
        (.onFailure(okCodes: []), .code(0), true),
    ]

    /// In STARTING, with the group still alive: leftovers are killed, then the policy decides between an
    /// immediate restart and EXITED.
    @Test(arguments: policyTable)
    func exitWhileStarting(policy: RestartPolicy, exit: ProcessExit, restarts: Bool) {
        var machine = machine(ready: false) { $0.restart = policy }
        if restarts {
            #expect(machine.handle(.childExited(exit), at: 500) == [.signalGroup(9), .spawn])
            #expect(
                machine.snapshot
                    == MachineSnapshot(
                        state: .starting, wantUp: true, pid: 100, pgid: 100, restarts: 1, failures: 1, lastExit: exit))
        } else {
            #expect(machine.handle(.childExited(exit), at: 500) == [.signalGroup(9)])
            #expect(
                machine.snapshot
                    == MachineSnapshot(state: .exited, wantUp: true, pid: 100, pgid: 100, lastExit: exit, since: 500))
        }
    }

    /// In RUNNING, an exit the policy restarts: leftovers are killed, the first restart is immediate.
    @Test(arguments: policyTable.filter { $0.2 }.map { ($0.0, $0.1) })
    func restartedExitWhileRunning(policy: RestartPolicy, exit: ProcessExit) {
        var machine = machine(ready: true) { $0.restart = policy }
        #expect(machine.handle(.childExited(exit), at: 2_000) == [.signalGroup(9), .spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, pgid: 100, restarts: 1, failures: 1, lastExit: exit,
                    since: 2_000))
    }

    /// When the group is already gone, an exit needs no cleanup signal.
    @Test func exitAfterGroupGoneSendsNoCleanup() {
        var machine = machine(ready: true)
        #expect(machine.handle(.groupGone, at: 2_000) == [])
        #expect(machine.pgid == 0)
        #expect(machine.handle(.childExited(.code(1)), at: 2_000) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, restarts: 1, failures: 1, lastExit: .code(1),
                    since: 2_000))
    }

    /// Whatever follows the exit (restart, BACKOFF, EXITED, FATAL), what is left of the group, and every other
    /// descendant (`signalGroup` reaches the whole tree), gets SIGKILL first: a restarted instance's previous run
    /// leaves nothing behind. `pgid` still names that group until `groupGone` says the whole tree is gone.
    @Test(arguments: [
        (10, RestartPolicy.always, [ShimMachine.Action.signalGroup(9), .spawn], ShimState.starting),
        (10, .always, [.signalGroup(9)], .backoff),
        (10, .never, [.signalGroup(9)], .exited),
        (1, .always, [.signalGroup(9)], .fatal),
    ])
    func leftoversAreKilled(fatalAfter: Int, policy: RestartPolicy, actions: [ShimMachine.Action], state: ShimState) {
        var machine = ShimMachine(
            settings: .changed {
                $0.restart = policy
                $0.backoff.fatalAfter = fatalAfter
            })
        _ = machine.handle(.boot, at: 0)
        if state == .backoff {
            // One failure already, so that the next one waits.
            _ = machine.handle(.spawnFailed("busy"), at: 0)
        }
        _ = machine.handle(.spawned(pid: 100), at: 0)
        #expect(machine.handle(.childExited(.code(1)), at: 10) == actions)
        #expect(machine.state == state)
        #expect(machine.pgid == 100)
        #expect(machine.childAlive == false)
        #expect(machine.handle(.groupGone, at: 20) == [])
        #expect(machine.pgid == 0)
        #expect(machine.state == state)
    }

    /// Fast crashes in a row (each one ready, then dead within `stableAfter`): the first restart is immediate, then
    /// the BACKOFF delays double from `initial` up to `maximum`, and failure number `fatalAfter` makes FATAL.
    @Test(
        arguments: [
            (1_000, 5_000, 8, [0, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]),
            (250, 60_000, 10, [0, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000]),
            (3_000, 3_000, 5, [0, 3_000, 3_000, 3_000]),
            (1_000, 60_000, 2, [0]),
        ] as [(Int64, Int64, Int, [Int64])])
    func fastCrashesBackOffThenGoFatal(initial: Int64, maximum: Int64, fatalAfter: Int, delays: [Int64]) {
        var machine = ShimMachine(
            settings: .changed {
                $0.backoff.initial = initial
                $0.backoff.maximum = maximum
                $0.backoff.fatalAfter = fatalAfter
            })
        var now: Int64 = 0
        var pid: Int32 = 100
        var observed: [Int64] = []
        #expect(machine.handle(.boot, at: now) == [.spawn])
        while machine.state == .starting {
            #expect(machine.handle(.spawned(pid: pid), at: now) == [])
            #expect(machine.handle(.deadline, at: now + 1_000) == [])
            #expect(machine.state == .running)
            now += 1_500
            #expect(machine.handle(.groupGone, at: now) == [])
            let actions = machine.handle(.childExited(.code(1)), at: now)
            #expect(machine.ready == false)
            #expect(machine.failures == observed.count + 1)
            switch machine.state {
            case .starting:
                #expect(actions == [.spawn])
                observed.append(0)
            case .backoff:
                #expect(actions == [])
                let delay = machine.deadline! - now
                observed.append(delay)
                #expect(machine.handle(.deadline, at: now + delay - 1) == [])
                now += delay
                #expect(machine.handle(.deadline, at: now) == [.spawn])
            default:
                #expect(actions == [])
            }
            pid += 1
        }
        #expect(observed == delays)
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .fatal, wantUp: true, pid: pid - 1, restarts: delays.count, failures: fatalAfter,
                    lastExit: .code(1), since: now, deadline: now + 300_000))
    }

    /// An exit at least `stableAfter` after the start resets the series: it counts as failure 1, restarted at once.
    @Test(arguments: [(29_999, false), (30_000, true), (100_000, true)] as [(Int64, Bool)])
    func stableRunResetsTheSeries(uptime: Int64, stable: Bool) {
        var machine = machine(ready: true)
        // A first fast failure: restarted at once, at 1500.
        _ = machine.handle(.groupGone, at: 1_500)
        #expect(machine.handle(.childExited(.code(1)), at: 1_500) == [.spawn])
        _ = machine.handle(.spawned(pid: 101), at: 1_500)
        _ = machine.handle(.deadline, at: 2_500)
        _ = machine.handle(.groupGone, at: 1_500 + uptime)
        let actions = machine.handle(.childExited(.code(1)), at: 1_500 + uptime)
        if stable {
            #expect(actions == [.spawn])
            #expect(machine.state == .starting)
            #expect(machine.failures == 1)
            #expect(machine.restarts == 2)
        } else {
            #expect(actions == [])
            #expect(machine.state == .backoff)
            #expect(machine.failures == 2)
            #expect(machine.restarts == 1)
            #expect(machine.deadline == 1_500 + uptime + 1_000)
        }
    }

    /// A long series (the last wait was 4000) is forgotten after one stable run.
    @Test func stableRunResetsALongSeries() {
        var machine = ShimMachine(settings: .init())
        _ = machine.handle(.boot, at: 0)
        #expect(machine.handle(.spawnFailed("busy"), at: 0) == [.spawn])
        for (start, delay) in [(0, 1_000), (1_000, 2_000), (3_000, 4_000)] as [(Int64, Int64)] {
            #expect(machine.handle(.spawnFailed("busy"), at: start) == [])
            #expect(machine.deadline == start + delay)
            #expect(machine.handle(.deadline, at: start + delay) == [.spawn])
        }
        #expect(machine.failures == 4)
        _ = machine.handle(.spawned(pid: 100), at: 7_000)
        _ = machine.handle(.deadline, at: 8_000)
        _ = machine.handle(.groupGone, at: 37_000)
        #expect(machine.handle(.childExited(.signal(11)), at: 37_000) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 100, restarts: 5, failures: 1, lastExit: .signal(11),
                    since: 37_000))
    }

    /// FATAL retries after `fatalRetry`; a fast failure of the retry goes back to FATAL, a stable run of it restarts
    /// at once as failure 1.
    @Test func fatalRetriesSlowly() {
        var machine = machine(ready: false) {
            $0.backoff.fatalAfter = 2
            $0.backoff.fatalRetry = 60_000
        }
        _ = machine.handle(.groupGone, at: 100)
        #expect(machine.handle(.childExited(.code(1)), at: 100) == [.spawn])
        _ = machine.handle(.spawned(pid: 101), at: 100)
        _ = machine.handle(.groupGone, at: 200)
        #expect(machine.handle(.childExited(.code(1)), at: 200) == [])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .fatal, wantUp: true, pid: 101, restarts: 1, failures: 2, lastExit: .code(1), since: 200,
                    deadline: 60_200))
        #expect(machine.handle(.deadline, at: 60_199) == [])
        #expect(machine.handle(.deadline, at: 60_200) == [.spawn])
        #expect(
            machine.snapshot
                == MachineSnapshot(
                    state: .starting, wantUp: true, pid: 101, restarts: 2, failures: 2, lastExit: .code(1),
                    since: 60_200))
        _ = machine.handle(.spawned(pid: 102), at: 60_200)
        _ = machine.handle(.groupGone, at: 60_300)
        #expect(machine.handle(.childExited(.code(1)), at: 60_300) == [])
        #expect(machine.state == .fatal)
        #expect(machine.failures == 3)
        #expect(machine.deadline == 120_300)
        #expect(machine.handle(.deadline, at: 120_300) == [.spawn])
        _ = machine.handle(.spawned(pid: 103), at: 120_300)
        _ = machine.handle(.deadline, at: 121_300)
        _ = machine.handle(.groupGone, at: 200_000)
        #expect(machine.handle(.childExited(.code(1)), at: 200_000) == [.spawn])
        #expect(machine.failures == 1)
        #expect(machine.restarts == 4)
    }
}
