import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import TestSupport

/// A random planner input over a small universe (3 apps, 3 types, slots 1 to 3, releases v1 to v3), dense enough
/// that cutovers, dead shims, stopped types and slots, and destroyed apps meet in one case.
struct RandomCase: CustomStringConvertible {
    static let apps = ["blog", "shop", "wiki"].map { try! AppName($0) }
    static let types = ["web", "worker", "clock"].map { try! ProcessType($0) }
    static let releases = (1...3).map { try! ReleaseID(number: $0) }
    static let states: [ShimState] = [.stopped, .starting, .running, .backoff, .stopping, .exited, .fatal]

    let seed: UInt64
    var desired: [DesiredApp] = []
    var observed: [ObservedInstance] = []

    init(seed: UInt64) {
        self.seed = seed
        var random = SplitMix64(seed: seed)
        for app in Self.apps where Int.random(in: 0..<4, using: &random) > 0 {
            var wanted = DesiredApp(
                app: app,
                release: Int.random(in: 0..<7, using: &random) == 0 ? nil : Self.releases.randomElement(using: &random))
            for type in Self.types where Int.random(in: 0..<5, using: &random) > 0 {
                // A slot is stopped on its own a quarter of the time, and may lie above the count.
                let slots = Set((1...3).filter { _ in Int.random(in: 0..<4, using: &random) == 0 })
                wanted.processes[type] = DesiredProcess(
                    count: Int.random(in: 0...3, using: &random), stopped: Int.random(in: 0..<6, using: &random) == 0,
                    stoppedIndexes: slots)
            }
            desired.append(wanted)
        }
        for app in Self.apps {
            for type in Self.types {
                for index in 1...3 {
                    for release in Self.releases where Int.random(in: 0..<4, using: &random) == 0 {
                        let id = try! InstanceID(app: app, type: type, index: index, release: release)
                        observed.append(Self.instance(id, using: &random))
                    }
                }
            }
        }
        desired.shuffle(using: &random)
        observed.shuffle(using: &random)
    }

    private static func instance(_ id: InstanceID, using random: inout SplitMix64) -> ObservedInstance {
        var instance = ObservedInstance(id: id, shimAlive: Int.random(in: 0..<4, using: &random) > 0)
        if Int.random(in: 0..<8, using: &random) > 0 {
            var status = StatusRecord()
            // RUNNING half the time, so that cutovers complete often.
            status.state = Bool.random(using: &random) ? .running : states.randomElement(using: &random)!
            status.pgid = Bool.random(using: &random) ? 0 : Int32.random(in: 2...99_999, using: &random)
            instance.status = status
        }
        return instance
    }

    var description: String { "seed \(seed): desired \(desired), observed \(observed)" }

    /// The release a slot is wanted at, straight from the rules' words, as the oracle for the planner.
    func wantedRelease(app: AppName, type: ProcessType, index: Int) -> ReleaseID? {
        guard let wanted = desired.first(where: { $0.app == app }), let process = wanted.processes[type],
            !process.stopped, index <= process.count, !process.stoppedIndexes.contains(index)
        else { return nil }
        return wanted.release
    }

    func wantedRelease(of id: InstanceID) -> ReleaseID? { wantedRelease(app: id.app, type: id.type, index: id.index) }
}
