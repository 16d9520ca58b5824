import DokuenCore
import DokuenSupervision

/// One service directory found under `run/svc/<app>/`: the instance it belongs to, whether its shim is alive (the
/// directory's `lock` is held, docs/SHIM.md), and its last `status` (nil when missing or unreadable).
public struct ObservedInstance: Equatable, Sendable {
    public var id: InstanceID
    /// Liveness comes from the `lock` alone, never from a PID that could have been reused.
    public var shimAlive: Bool
    public var status: StatusRecord?

    public init(id: InstanceID, shimAlive: Bool, status: StatusRecord? = nil) {
        self.id = id
        self.shimAlive = shimAlive
        self.status = status
    }
}
