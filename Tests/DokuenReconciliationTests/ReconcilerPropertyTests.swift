import DokuenCore
import DokuenReconciliation
import DokuenSupervision
import TestSupport
import Testing

/// Rules 6 and 7 of `Reconciler.plan` over a few hundred seeded random cases: the invariants hold for every plan,
/// performing plans converges, and the plan does not depend on the order of its inputs.
@Suite struct ReconcilerPropertyTests {
    static let seeds: Range<UInt64> = 0..<500

    @Test func everyPlanKeepsTheInvariants() {
        for seed in Self.seeds {
            let random = RandomCase(seed: seed)
            checkInvariants(random, Reconciler.plan(desired: random.desired, observed: random.observed))
        }
    }

    /// New shims still STARTING change nothing the planner acts on, so planning again gives nothing to do.
    @Test func planningAgainWhileNewShimsStartGivesNothing() {
        for seed in Self.seeds {
            let random = RandomCase(seed: seed)
            var cluster = Cluster(random.observed)
            cluster.perform(
                Reconciler.plan(desired: random.desired, observed: cluster.observed), startedState: .starting)
            let again = Reconciler.plan(desired: random.desired, observed: cluster.observed)
            #expect(again == [], "\(random)")
        }
    }

    /// Once the new shims are RUNNING, one more plan completes their cutovers (stops only), and then there is
    /// nothing left to do.
    @Test func planningAgainOnceNewShimsRunCompletesCutoversThenGivesNothing() {
        for seed in Self.seeds {
            let random = RandomCase(seed: seed)
            var cluster = Cluster(random.observed)
            let first = Reconciler.plan(desired: random.desired, observed: cluster.observed)
            cluster.perform(first, startedState: .running)
            let second = Reconciler.plan(desired: random.desired, observed: cluster.observed)
            let started = Set(first.compactMap { if case .start(let id) = $0 { slot(id) } else { nil } })
            for action in second {
                guard case .stop(let id) = action else {
                    Issue.record("\(action) after the first plan was performed; \(random)")
                    continue
                }
                #expect(started.contains(slot(id)), "\(id) stopped, but no cutover started in its slot; \(random)")
                #expect(random.wantedRelease(of: id) != nil, "\(id) should have stopped in the first plan; \(random)")
            }
            cluster.perform(second, startedState: .running)
            #expect(Reconciler.plan(desired: random.desired, observed: cluster.observed) == [], "\(random)")
        }
    }

    @Test func thePlanDoesNotDependOnTheOrderOfItsInputs() {
        for seed in Self.seeds {
            let random = RandomCase(seed: seed)
            var generator = SplitMix64(seed: ~seed)
            let plan = Reconciler.plan(desired: random.desired, observed: random.observed)
            #expect(Reconciler.plan(desired: random.desired.reversed(), observed: random.observed.reversed()) == plan)
            #expect(
                Reconciler.plan(
                    desired: random.desired.shuffled(using: &generator),
                    observed: random.observed.shuffled(using: &generator)) == plan, "\(random)")
        }
    }

    /// The random cases are worth checking only if they meet every rule, many times over.
    @Test func theRandomCasesCoverEveryRule() {
        var seen: [String: Int] = [:]
        for seed in Self.seeds {
            let random = RandomCase(seed: seed)
            let plan = Reconciler.plan(desired: random.desired, observed: random.observed)
            for action in plan {
                switch action {
                case .start(let id):
                    let replaces = plan.contains { $0 != action && $0.instance == id }
                    seen[replaces ? "start after cleanup" : "start", default: 0] += 1
                case .stop(let id):
                    seen[random.wantedRelease(of: id) == nil ? "stop unwanted" : "stop after cutover", default: 0] += 1
                    if let process = random.desired.first(where: { $0.app == id.app })?.processes[id.type],
                        !process.stopped, id.index <= process.count, process.stoppedIndexes.contains(id.index)
                    {
                        seen["stop a stopped slot", default: 0] += 1
                    }
                case .reap: seen["reap", default: 0] += 1
                case .remove: seen["remove", default: 0] += 1
                }
            }
            for instance in random.observed where instance.shimAlive && !plan.contains(.stop(instance.id)) {
                if let release = random.wantedRelease(of: instance.id), release != instance.id.release {
                    seen["old release kept serving", default: 0] += 1
                }
            }
        }
        for rule in [
            "start", "start after cleanup", "stop unwanted", "stop after cutover", "stop a stopped slot", "reap",
            "remove", "old release kept serving",
        ] {
            #expect(seen[rule, default: 0] >= 50, "\(rule): \(seen[rule, default: 0]) times; all: \(seen)")
        }
    }

    private func checkInvariants(_ random: RandomCase, _ plan: [ReconcileAction]) {
        let observed = Dictionary(uniqueKeysWithValues: random.observed.map { ($0.id, $0) })
        func isLive(_ id: InstanceID) -> Bool { observed[id]?.shimAlive == true }
        // RUNNING, or finished: EXITED with code 0 (a one-shot type's instance that did its job).
        func isRunning(_ id: InstanceID) -> Bool {
            let status = observed[id]?.status
            return isLive(id)
                && (status?.state == .running || (status?.state == .exited && status?.lastExit == .code(0)))
        }
        func current(_ id: InstanceID, _ release: ReleaseID) -> InstanceID {
            try! InstanceID(app: id.app, type: id.type, index: id.index, release: release)
        }

        // Rule 6: cleanups, then starts, then stops, each strictly sorted, so no instance twice in one group.
        for (earlier, later) in zip(plan, plan.dropFirst()) {
            let order = (rank(earlier), earlier.instance) < (rank(later), later.instance)
            #expect(order, "\(earlier) before \(later); \(random)")
        }

        var starts: Set<InstanceID> = []
        var stops: Set<InstanceID> = []
        var cleanups: Set<InstanceID> = []
        for action in plan {
            switch action {
            case .start(let id):
                starts.insert(id)
                // Never for a stopped type, a count of 0, an app without a release, or a slot already served.
                #expect(random.wantedRelease(of: id) == id.release, "\(action) is not wanted; \(random)")
                #expect(!isLive(id), "\(action) duplicates a live shim; \(random)")
            case .stop(let id):
                stops.insert(id)
                #expect(isLive(id), "\(action) has no live shim; \(random)")
                if let release = random.wantedRelease(of: id) {
                    // A wanted slot loses an instance only to a RUNNING (or finished) instance of the current release.
                    #expect(id.release != release, "\(action) stops the current release; \(random)")
                    #expect(isRunning(current(id, release)), "\(action) before its successor runs; \(random)")
                }
            case .reap(let id, let pgid):
                cleanups.insert(id)
                #expect(observed[id]?.shimAlive == false, "\(action) reaps a live shim; \(random)")
                #expect(pgid > 0 && observed[id]?.status?.pgid == pgid, "\(action) names the wrong group; \(random)")
            case .remove(let id):
                cleanups.insert(id)
                #expect(observed[id]?.shimAlive == false, "\(action) removes a live shim; \(random)")
                #expect((observed[id]?.status?.pgid ?? 0) <= 0, "\(action) leaves a group behind; \(random)")
            }
        }

        // Every dead instance gets exactly one reap or remove (uniqueness from the strict order above).
        let dead = Set(random.observed.filter { !$0.shimAlive }.map(\.id))
        #expect(cleanups == dead, "\(random)")

        // Every live instance that is not wanted, or whose slot's current instance runs, is stopped; no other is.
        for instance in random.observed where instance.shimAlive {
            let release = random.wantedRelease(of: instance.id)
            let shouldStop =
                release.map { instance.id.release != $0 && isRunning(current(instance.id, $0)) } ?? true
            #expect(stops.contains(instance.id) == shouldStop, "\(instance.id); \(random)")
        }

        // Every wanted slot without a live current instance gets exactly one start.
        for wanted in random.desired {
            guard let release = wanted.release else { continue }
            for (type, process) in wanted.processes where !process.stopped && process.count > 0 {
                for index in 1...process.count where !process.stoppedIndexes.contains(index) {
                    let id = try! InstanceID(app: wanted.app, type: type, index: index, release: release)
                    #expect(starts.contains(id) == !isLive(id), "\(id); \(random)")
                }
            }
        }
    }

    private func rank(_ action: ReconcileAction) -> Int {
        switch action {
        case .reap, .remove: 0
        case .start: 1
        case .stop: 2
        }
    }

    private func slot(_ id: InstanceID) -> String { id.slot }
}
