/// What dokuend wants for one process type of an app's current release: how many instances (`dokuen ps scale`),
/// whether the type is stopped (`dokuen stop blog:web`), and which of its slots are stopped on their own (`dokuen
/// stop blog:web.2`). Stops stay across reboots until `dokuen start`.
public struct DesiredProcess: Equatable, Sendable {
    /// Instances wanted, slots `1...count`. Zero or less wants none; more than `Formation.maxCount` is clamped.
    public var count: Int
    /// A stopped type keeps its count for `dokuen start` but runs nothing.
    public var stopped: Bool
    /// Slots of `1...count` that run nothing; an index outside that range changes nothing.
    public var stoppedIndexes: Set<Int>

    public init(count: Int, stopped: Bool = false, stoppedIndexes: Set<Int> = []) {
        self.count = count
        self.stopped = stopped
        self.stoppedIndexes = stoppedIndexes
    }

    /// Whether slot `index` of the type should run.
    public func wants(_ index: Int) -> Bool {
        !stopped && index >= 1 && index <= count && !stoppedIndexes.contains(index)
    }
}
