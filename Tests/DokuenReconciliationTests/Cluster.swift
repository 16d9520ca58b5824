import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import Testing

/// A tiny stand-in for `run/svc/`: the service directories, and what performing a plan does to them. A started
/// shim appears live in `startedState`; a stopped, reaped or removed instance disappears.
struct Cluster {
    var instances: [InstanceID: ObservedInstance]

    init(_ observed: [ObservedInstance]) {
        instances = Dictionary(observed.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var observed: [ObservedInstance] { instances.values.sorted { $0.id < $1.id } }

    /// Performs `plan` in order, recording an issue for any step the directories make impossible.
    mutating func perform(_ plan: [ReconcileAction], startedState: ShimState) {
        for action in plan {
            let found = instances[action.instance]
            switch action {
            case .start(let id):
                #expect(found == nil, "\(id) is started over an existing service directory")
                var status = StatusRecord()
                status.state = startedState
                status.wantUp = true
                instances[id] = ObservedInstance(id: id, shimAlive: true, status: status)
            case .stop(let id):
                #expect(found?.shimAlive == true, "\(id) is stopped but has no live shim")
                instances[id] = nil
            case .reap(let id, _), .remove(let id):
                #expect(found?.shimAlive == false, "\(id) is cleaned up but has no dead shim")
                instances[id] = nil
            }
        }
    }
}
