import DokuenCore

/// One step the reconciler asks dokuend's shell to take. The shell performs them in the order given.
public enum ReconcileAction: Equatable, Sendable {
    /// Lease a port and start a shim for this instance.
    case start(InstanceID)
    /// Tell the live shim `x`: it tears down the process group, then exits. Its service directory is left behind,
    /// and the next plan, seeing the shim dead, removes it.
    case stop(InstanceID)
    /// The shim is dead but its status shows a process group: SIGKILL the group, then remove the service directory
    /// (docs/DESIGN.md §2: what is left of a dead shim's group is killed before a replacement starts).
    case reap(InstanceID, pgid: Int32)
    /// The shim is dead and no process group is left: remove the service directory.
    case remove(InstanceID)

    /// The instance the action is about.
    public var instance: InstanceID {
        switch self {
        case .start(let id), .stop(let id), .reap(let id, _), .remove(let id): id
        }
    }
}
