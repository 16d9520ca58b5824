/// What dokuend wants for one process type of an app's current release: how many instances (`dokuen ps scale`)
/// and whether the type is stopped (`dokuen stop`, which stays stopped across reboots until `dokuen start`).
public struct DesiredProcess: Equatable, Sendable {
    /// Instances wanted, slots `1...count`. Zero or less wants none; more than `Formation.maxCount` is clamped.
    public var count: Int
    /// A stopped type keeps its count for `dokuen start` but runs nothing.
    public var stopped: Bool

    public init(count: Int, stopped: Bool = false) {
        self.count = count
        self.stopped = stopped
    }
}
