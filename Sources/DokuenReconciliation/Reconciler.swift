import DokuenCore
import DokuenSupervision

/// The reconciler's pure planner: from what dokuend wants (SQLite) and what the service directories show, the
/// steps that drive the second toward the first. dokuend's reconciler, the only code that starts or stops shims,
/// runs it on every change and performs the steps; this type does no I/O and reads no clock.
public enum Reconciler {
    /// The actions that drive `observed` toward `desired`.
    ///
    /// A *slot* is `APP:TYPE.N`. It is *wanted* at release R when the app is in `desired` with current release R,
    /// and TYPE is in its processes, not stopped, with `1 <= N <= count` (count clamped to `Formation.maxCount`),
    /// and N is not one of the type's `stoppedIndexes` (`dokuen stop blog:web.2` stops that slot alone).
    /// An instance is *live* when its shim is alive, whatever its state or status.
    ///
    /// 1. Every wanted slot has a live instance at R. When it has none, `.start(APP:TYPE.N@R)`; a live instance at
    ///    R, in any state, means nothing to do, so a re-adopted shim never gets a duplicate.
    /// 2. A live instance at another release R′ (older or newer) of a wanted slot keeps serving until the slot's
    ///    R instance is live and RUNNING (`status.state == .running`, which the shim reaches only once ready); then
    ///    it gets `.stop`. A new release that fails to start never takes down what serves (invariant 1). During a
    ///    cutover (`DesiredApp.serving`), instances of the serving release are kept even then: they stop once the
    ///    candidate is committed, after routing has switched to it. An R instance EXITED with code 0 (a one-shot
    ///    type whose `restart` let it finish) counts as RUNNING here: it did its job and will not become RUNNING.
    /// 3. A live instance of a slot that is not wanted gets `.stop` at once: index above the count, count 0,
    ///    type stopped, slot stopped, type not in the release, app without a release, or app not in `desired`
    ///    (destroyed).
    /// 4. A dead shim's instance gets `.reap(id, pgid:)` when its status shows a process group (`pgid > 0`),
    ///    else `.remove(id)`. It never counts as live, so its slot's replacement starts in the same plan, after it.
    /// 5. A live shim in STOPPED (someone sent it `d`), STOPPING, EXITED, BACKOFF or FATAL, or with an unreadable
    ///    status, is live: the shim restarts its child by its own policy, and the planner neither starts a duplicate
    ///    nor counts it as RUNNING for rule 2 (but for EXITED with code 0, see rule 2). Stopping a whole type is `DesiredProcess.stopped`, and one slot
    ///    `DesiredProcess.stoppedIndexes` (rule 3).
    /// 6. The order is fixed: reaps and removes, then starts, then stops, each group sorted by instance. Planning
    ///    again on the state the actions produce yields only the stops that new RUNNING instances allow (rule 2),
    ///    and after those, nothing.
    ///
    /// `desired` holds one entry per app and `observed` one per service directory; a repeated app keeps its first
    /// entry, and a repeated instance counts as live when any of its entries is.
    public static func plan(desired: [DesiredApp], observed: [ObservedInstance]) -> [ReconcileAction] {
        let apps = Dictionary(desired.map { ($0.app, $0) }, uniquingKeysWith: { first, _ in first })
        let instances = Dictionary(
            observed.map { ($0.id, $0) }, uniquingKeysWith: { first, second in first.shimAlive ? first : second })

        var cleanups: [ReconcileAction] = []
        var live: [Slot: [ObservedInstance]] = [:]
        for instance in instances.values {
            if instance.shimAlive {
                live[Slot(instance.id), default: []].append(instance)
            } else if let pgid = instance.status?.pgid, pgid > 0 {
                cleanups.append(.reap(instance.id, pgid: pgid))
            } else {
                cleanups.append(.remove(instance.id))
            }
        }

        var starts: [ReconcileAction] = []
        for app in apps.values {
            guard let release = app.release else { continue }
            for (type, process) in app.processes where !process.stopped && process.count > 0 {
                for index in 1...min(process.count, InstanceID.maxIndex) where process.wants(index) {
                    let slot = Slot(app: app.app, type: type, index: index)
                    if live[slot]?.contains(where: { $0.id.release == release }) != true {
                        starts.append(.start(slot.instance(at: release)))
                    }
                }
            }
        }

        var stops: [ReconcileAction] = []
        for (slot, instances) in live {
            guard let release = wantedRelease(of: slot, in: apps) else {
                stops += instances.map { .stop($0.id) }
                continue
            }
            let currentIsRunning = instances.contains {
                $0.id.release == release
                    && ($0.status?.state == .running
                        || ($0.status?.state == .exited && $0.status?.lastExit == .code(0)))
            }
            if currentIsRunning {
                let serving = apps[slot.app]?.serving
                stops += instances.filter { $0.id.release != release && $0.id.release != serving }.map { .stop($0.id) }
            }
        }

        return [cleanups, starts, stops].flatMap { $0.sorted { $0.instance < $1.instance } }
    }

    /// The release a slot is wanted at, or nil when it is not wanted.
    private static func wantedRelease(of slot: Slot, in apps: [AppName: DesiredApp]) -> ReleaseID? {
        guard let app = apps[slot.app], let release = app.release, let process = app.processes[slot.type],
            slot.index <= InstanceID.maxIndex, process.wants(slot.index)
        else { return nil }
        return release
    }

    /// `APP:TYPE.N`: an instance without its release.
    private struct Slot: Hashable {
        let app: AppName
        let type: ProcessType
        let index: Int

        init(app: AppName, type: ProcessType, index: Int) {
            self.app = app
            self.type = type
            self.index = index
        }

        init(_ id: InstanceID) { self.init(app: id.app, type: id.type, index: id.index) }

        func instance(at release: ReleaseID) -> InstanceID {
            // Slots are built with 1 <= index <= InstanceID.maxIndex, the only thing InstanceID checks.
            try! InstanceID(app: app, type: type, index: index, release: release)
        }
    }
}
