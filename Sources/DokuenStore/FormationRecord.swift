import DokuenCore

/// A row of `formation`: how many instances of one process type of an app should run, and whether the type is
/// stopped, with the slots of it stopped one by one (`stopped_slots`). This is desired state; the reconciler drives
/// the running shims towards it. A stopped type or slot keeps its count, so `start` brings back what `stop` took
/// down, and it stays stopped across reboots and `ps scale`.
public struct FormationRecord: Equatable, Sendable {
    public let app: AppName
    public let type: ProcessType
    /// 0 to `Formation.maxCount`.
    public let count: Int
    public let stopped: Bool
    /// Slots stopped on their own (`dokuen stop blog:web.2`), 1 to `InstanceID.maxIndex`. One above `count` (the
    /// type was scaled down since) stops nothing until the type is scaled back up.
    public let stoppedIndexes: Set<Int>

    public init(app: AppName, type: ProcessType, count: Int, stopped: Bool, stoppedIndexes: Set<Int> = []) {
        self.app = app
        self.type = type
        self.count = count
        self.stopped = stopped
        self.stoppedIndexes = stoppedIndexes
    }

    /// How many instances should run right now: none while the type is stopped, and not the stopped slots.
    public var runningCount: Int { stopped ? 0 : count - stoppedIndexes.filter { $0 <= count }.count }
}
