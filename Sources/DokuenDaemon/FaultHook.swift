import DokuenPosix
import DokuenReconciliation
import DokuenSupervision

/// A test-only hook (docs/FAULTS.md): with `DOKUEN_FAULT_KILL_AT=<point>` in its environment, dokuend SIGKILLs
/// itself at that point, as a crash or `kill -9` would, so that a test can check what the restarted daemon makes of
/// it. A point is a cutover phase (right after it is recorded) or `backup-restic` (at a backup's first progress line
/// from restic, while restic runs; docs/BACKUP.md). Read once; unset, it does nothing.
enum FaultHook {
    static let point: String? = Posix.environment()["DOKUEN_FAULT_KILL_AT"]

    /// The point at which a backup is cut short while restic runs.
    static let backupRestic = "backup-restic"

    /// Called after `phase` is recorded.
    static func reached(_ phase: CutoverPhase) { reached(phase.rawValue) }

    /// Called at `name`: kills dokuend when it is the point the environment names.
    static func reached(_ name: String) {
        guard point == name else { return }
        DaemonLog.info("DOKUEN_FAULT_KILL_AT=\(name)", "killing dokuend at this point")
        _ = try? Posix.kill(Posix.getpid(), Signals.kill)
    }
}
