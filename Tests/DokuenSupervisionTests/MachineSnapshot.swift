import DokuenSupervision

/// Everything a test can observe of a `ShimMachine`, as one value, so that one `#expect` checks every field and an
/// unexpected change in any of them fails. The defaults are those of a machine that has not booted. `groupAlive` is
/// left out: `pgid` is non-zero exactly when it is true.
struct MachineSnapshot: Equatable {
    var state = ShimState.stopped
    var wantUp = false
    var pid: Int32 = 0
    var pgid: Int32 = 0
    var childAlive = false
    var ready = false
    var restarts = 0
    var failures = 0
    var lastExit: ProcessExit? = nil
    var lastError = ""
    var since: Int64 = 0
    var deadline: Int64? = nil
}

extension ShimMachine {
    var snapshot: MachineSnapshot {
        MachineSnapshot(
            state: state, wantUp: wantUp, pid: pid, pgid: pgid, childAlive: childAlive, ready: ready,
            restarts: restarts, failures: failures, lastExit: lastExit, lastError: lastError, since: since,
            deadline: deadline)
    }
}
