import DokuenSupervision
import Testing

/// A machine brought into one state by a fixed series of events, for tests that check what every state does with
/// an event. All scenes share `Scene.settings`; times are milliseconds on the machine's monotonic clock, and `now`
/// is the time of a scene's last event.
enum Scene: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// Ran, then was stopped with `d`.
    case stopped
    /// Spawned as pid 100 at 0, not ready yet (`upFor(1000)`).
    case starting
    /// Ready at 1000.
    case running
    /// Two fast failures: the second restart waits 1000 ms.
    case backoff
    /// `d` at 2000; the child is still alive.
    case stopping
    /// `d` at 2000; the child has exited, its group has not.
    case stoppingAfterExit
    /// Exited with an ok code, which `on-failure` does not restart.
    case exited
    /// Three spawn failures in a row.
    case fatal

    /// `on-failure` with ok code 0, FATAL after 3 fast failures, everything else at its default.
    static let settings = ShimMachine.Settings.changed {
        $0.restart = .onFailure(okCodes: [0])
        $0.backoff.fatalAfter = 3
    }

    static let spawnError = "exec: no such file or directory"

    var testDescription: String { rawValue }

    var events: [(ShimMachine.Event, Int64)] {
        let running: [(ShimMachine.Event, Int64)] = [(.boot, 0), (.spawned(pid: 100), 0), (.deadline, 1_000)]
        switch self {
        case .stopped:
            return running + [(.control(.down), 2_000), (.childExited(.signal(15)), 2_100), (.groupGone, 2_100)]
        case .starting:
            return [(.boot, 0), (.spawned(pid: 100), 0)]
        case .running:
            return running
        case .backoff:
            return running + [
                (.childExited(.code(1)), 2_000), (.groupGone, 2_000), (.spawned(pid: 101), 2_000),
                (.childExited(.code(1)), 2_500), (.groupGone, 2_500),
            ]
        case .stopping:
            return running + [(.control(.down), 2_000)]
        case .stoppingAfterExit:
            return running + [(.control(.down), 2_000), (.childExited(.signal(15)), 2_100)]
        case .exited:
            return [(.boot, 0), (.spawned(pid: 100), 0), (.groupGone, 500), (.childExited(.code(0)), 500)]
        case .fatal:
            return [
                (.boot, 0), (.spawnFailed(Self.spawnError), 0), (.spawnFailed(Self.spawnError), 0),
                (.deadline, 1_000), (.spawnFailed(Self.spawnError), 1_000),
            ]
        }
    }

    var now: Int64 { events.last!.1 }

    var machine: ShimMachine {
        var machine = ShimMachine(settings: Self.settings)
        for (event, time) in events { _ = machine.handle(event, at: time) }
        return machine
    }

    /// What the machine looks like at the end of the scene.
    var snapshot: MachineSnapshot {
        switch self {
        case .stopped:
            MachineSnapshot(state: .stopped, lastExit: .signal(15), since: 2_100)
        case .starting:
            MachineSnapshot(state: .starting, wantUp: true, pid: 100, pgid: 100, childAlive: true, deadline: 1_000)
        case .running:
            MachineSnapshot(
                state: .running, wantUp: true, pid: 100, pgid: 100, childAlive: true, ready: true, since: 1_000)
        case .backoff:
            MachineSnapshot(
                state: .backoff, wantUp: true, pid: 101, restarts: 1, failures: 2, lastExit: .code(1), since: 2_500,
                deadline: 3_500)
        case .stopping:
            MachineSnapshot(
                state: .stopping, pid: 100, pgid: 100, childAlive: true, ready: true, since: 2_000, deadline: 32_000)
        case .stoppingAfterExit:
            MachineSnapshot(
                state: .stopping, pid: 100, pgid: 100, ready: true, lastExit: .signal(15), since: 2_000,
                deadline: 32_000)
        case .exited:
            MachineSnapshot(state: .exited, wantUp: true, pid: 100, lastExit: .code(0), since: 500)
        case .fatal:
            MachineSnapshot(
                state: .fatal, wantUp: true, restarts: 2, failures: 3, lastError: Self.spawnError, since: 1_000,
                deadline: 301_000)
        }
    }
}
