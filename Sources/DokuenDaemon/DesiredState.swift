import DokuenCore
import DokuenReconciliation
import DokuenStore

/// What every app should run, as a pure function of what the store holds and the cutovers under way: the app's
/// latest release at its formation, or, while a release is being cut over to, the candidate at the candidate's
/// counts (each type keeping its stopped flags). No I/O: the supervisor reads the store, this decides.
enum DesiredState {
    /// One app as the store has it.
    struct StoredApp: Sendable {
        var app: AppName
        /// Its latest release; nil before the first deploy.
        var release: ReleaseID?
        var formation: [FormationRecord]
        /// Stopped as a whole (`AppRecord.stopped`): a type with no formation row yet (one the candidate adds)
        /// comes stopped.
        var stopped = false
    }

    /// The desired state of `apps`, in their order.
    static func apps(_ apps: [StoredApp], candidates: [AppName: Candidate]) -> [DesiredApp] {
        apps.map { stored in
            var processes: [ProcessType: DesiredProcess] = [:]
            for record in stored.formation {
                processes[record.type] = DesiredProcess(
                    count: record.count, stopped: record.stopped, stoppedIndexes: record.stoppedIndexes)
            }
            guard let candidate = candidates[stored.app] else {
                return DesiredApp(app: stored.app, release: stored.release, processes: processes)
            }
            // The candidate's formation: its types at its counts, keeping each type's stopped flags (a type it adds
            // is stopped when the app is), except the types whose count follows the store, where a `ps scale` during
            // the cutover takes effect at once (`Candidate.followsStored`).
            let counts = Dictionary(uniqueKeysWithValues: candidate.formation.scales.map { ($0.type, $0.count) })
            for type in Set(processes.keys).union(counts.keys) {
                if candidate.followsStored.contains(type), processes[type] != nil, counts[type] != nil { continue }
                processes[type, default: DesiredProcess(count: 0, stopped: stored.stopped)].count = counts[type] ?? 0
            }
            return DesiredApp(
                app: stored.app, release: candidate.release, processes: processes,
                serving: candidate.keepsServing ? stored.release : nil)
        }
    }

    /// The slots of `app` that should run an instance: every wanted index of every type with a count.
    static func wantedSlots(of app: DesiredApp) -> [(type: ProcessType, index: Int)] {
        var slots: [(type: ProcessType, index: Int)] = []
        for (type, process) in app.processes where process.count > 0 {
            for index in 1...min(process.count, InstanceID.maxIndex) where process.wants(index) {
                slots.append((type, index))
            }
        }
        return slots
    }
}
