import DokuenPosix
import DokuenReconciliation
import DokuenSupervision

/// A test-only hook (docs/FAULTS.md): with `DOKUEN_FAULT_KILL_AT=<phase>` in its environment, dokuend SIGKILLs
/// itself right after recording that cutover phase, as a crash or `kill -9` would, so that a test can check what the
/// restarted daemon makes of it. Read once, at the first phase recorded; unset, it does nothing.
enum FaultHook {
    static let killAt: CutoverPhase? = Posix.environment()["DOKUEN_FAULT_KILL_AT"].flatMap(CutoverPhase.init(rawValue:))

    /// Called after `phase` is recorded.
    static func reached(_ phase: CutoverPhase) {
        guard let killAt, killAt == phase else { return }
        DaemonLog.info("DOKUEN_FAULT_KILL_AT=\(phase.rawValue)", "killing dokuend after recording the phase")
        _ = try? Posix.kill(Posix.getpid(), Signals.kill)
    }
}
