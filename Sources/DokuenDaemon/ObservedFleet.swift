import DokuenCore
import DokuenReconciliation

/// What the supervisor knows of the actual state, kept between looks so that a look costs only what changed: the
/// first look reads every service directory, later ones read again only the instances named as changed (a shim's
/// event, a shim's death, the supervisor's own start, stop or removal). `GET /v1/status`, the reconcile passes and
/// the waits for readiness all answer from it, so 200 instances cost no directory read per request.
///
/// The `status` file stays the truth: whatever a change names is read from it, never from the event's datagram
/// (a datagram can be lost when dokuend's queue is full, and one that arrives after the shim's death would revive
/// it). `forgetAll` makes the next look read everything, for when events may have gone nowhere.
struct ObservedFleet {
    private var instances: [InstanceID: ObservedInstance] = [:]
    /// `instances` sorted by id, kept until the next change.
    private var sorted: [ObservedInstance]?
    /// False until the first look, and after `forgetAll`: the next look reads every directory.
    private var complete = false
    private var changed: Set<InstanceID> = []

    /// Marks `id` to be read again at the next look.
    mutating func changed(_ id: InstanceID) {
        changed.insert(id)
    }

    /// Makes the next look read every directory.
    mutating func forgetAll() {
        complete = false
    }

    /// The instances, sorted by id, after reading again what changed since the last look.
    mutating func look(_ observer: InstanceObserver) throws -> [ObservedInstance] {
        if !complete {
            let all = try observer.observed()
            instances = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            complete = true
            changed.removeAll()
            sorted = nil
        }
        for id in changed {
            instances[id] = observer.observed(id)
            sorted = nil
        }
        changed.removeAll()
        if let sorted { return sorted }
        let fresh = instances.values.sorted { $0.id < $1.id }
        sorted = fresh
        return fresh
    }
}
