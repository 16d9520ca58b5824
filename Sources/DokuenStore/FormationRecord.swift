import DokuenCore

/// A row of `formation`: how many instances of one process type of an app should run, and whether the type is
/// stopped. This is desired state; the reconciler drives the running shims towards it. A stopped type keeps
/// its count, so `start` brings back what `stop` took down, and it stays stopped across reboots.
public struct FormationRecord: Equatable, Sendable {
    public let app: AppName
    public let type: ProcessType
    /// 0 to `Formation.maxCount`.
    public let count: Int
    public let stopped: Bool

    public init(app: AppName, type: ProcessType, count: Int, stopped: Bool) {
        self.app = app
        self.type = type
        self.count = count
        self.stopped = stopped
    }

    /// How many instances should run right now: none while stopped.
    public var runningCount: Int { stopped ? 0 : count }
}
