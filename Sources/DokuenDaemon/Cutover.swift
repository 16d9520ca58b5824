import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore

/// The one way a new release comes to serve, shared by deploys, config changes, settings and rollbacks (docs/DESIGN.md
/// §2, steps 5–7): the candidate's instances start beside the serving ones; once every wanted one is RUNNING,
/// nginx routes to them (when routing is on) and the old ones drain for `drainMilliseconds`; then the release is
/// recorded, `current`/`previous` swap, and the reconciler stops the old instances. On any failure before the
/// switch the candidate is withdrawn, its instances stop, and what was serving never noticed (invariant 1). The
/// caller holds the app's deploy lock. The policy is `CutoverMachine`'s; this shell records each phase before its
/// step, so that `recover()` finishes or rolls back a cutover cut short by a crash (docs/FAULTS.md).
public struct Cutover: Sendable {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor
    /// How long the new instances have to become ready (ms).
    let readyDeadline: Int
    /// Releases kept per app after each new one (`Store.prune`).
    let keepReleases: Int
    /// nginx, when routing is on.
    let routing: Routing?
    /// After routing switched: how long requests already sent to the old instances get to finish.
    let drainMilliseconds: Int
    let checker: HealthChecker
    /// The deploy lock's waiting line: shared by every copy of this cutover (deploys, config changes, rollbacks).
    let queue: DeployQueue

    public init(
        layout: RootLayout, store: Store, supervisor: InstanceSupervisor, keepReleases: Int = 5,
        routing: Routing? = nil, drainMilliseconds: Int = 0, bootTimeoutSeconds: Int = 60,
        metrics: DaemonMetrics? = nil
    ) {
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
        self.keepReleases = keepReleases
        self.routing = routing
        self.drainMilliseconds = drainMilliseconds
        readyDeadline = bootTimeoutSeconds * 1000
        checker = HealthChecker(store: store, supervisor: supervisor, portDeadline: bootTimeoutSeconds * 1000)
        queue = DeployQueue(store: store, layout: layout, metrics: metrics)
    }

    /// Cuts `app` over to a new release of what `source` gives; returns the release. `deploy` is the running
    /// deploy whose phase the cutover records before each step (docs/FAULTS.md). The policy is
    /// `CutoverMachine`'s; this shell performs its actions. A failure before the release is recorded withdraws the
    /// candidate and throws the failing step's error; after it, failures are logged and the release is returned.
    func run(_ app: AppName, deploy: Int64, source: CutoverSource, actor: String, progress: Progress) async throws
        -> ReleaseID
    {
        let latest = try await store.latestRelease(app: app)
        let release = try ReleaseID(number: (latest?.id.number ?? 0) + 1)
        let zeroDowntime = try await store.zeroDowntime(app: app)
        var state = CutoverState(app: app, deploy: deploy, release: release, serving: latest?.id, actor: actor)
        let checksWeb: Bool
        switch source {
        case .existing(let input):
            state.input = input
            checksWeb = input.formation.scales.contains { $0.type.rawValue == "web" && $0.count > 0 }
        case .make, .recovered:
            checksWeb = true  // known once built; the step does nothing for a build without web
        }
        var machine = CutoverMachine(
            plan: CutoverMachine.Plan(
                makesBuild: { if case .make = source { true } else { false } }(),
                stopsServingFirst: !zeroDowntime && latest != nil, checksWeb: checksWeb,
                routes: await routing?.isOn ?? false, replacesServing: latest != nil))
        var failure: (any Error)?
        var event = CutoverMachine.Event.begin
        while true {
            var next: CutoverMachine.Event?
            actions: for action in machine.handle(event) {
                switch action {
                case .record(let phase):
                    do { try await record(phase, of: state) } catch {
                        // Without its phase on record, a step must not run: a restart could not tell what it did.
                        guard !phase.isRecorded, phase != .withdrawn else {
                            DaemonLog.error(
                                app, "unable to record phase \(phase.rawValue) of deploy \(deploy): \(error)"
                            )
                            continue
                        }
                        failure = error
                        next = .stepFailed("\(error)")
                        break actions
                    }
                case .run(let step):
                    do {
                        try await perform(step, source: source, &state, progress: progress)
                        next = .stepDone
                    } catch {
                        failure = error
                        next = .stepFailed("\(error)")
                    }
                case .killBuild:
                    if let stamp = state.buildStamp { BuildRemains(layout: layout).kill(app, stamp: stamp) }
                case .withdraw:
                    await withdraw(&state, progress: progress)
                case .discardBuild:
                    await discard(state)
                case .log(let message):
                    DaemonLog.info(app, "\(message)")
                case .finish(.succeeded):
                    await supervisor.noteCutover(
                        app: app, release: release,
                        isRollback: state.input?.summary.hasPrefix(Self.rollbackSummary) ?? false)
                    return release
                case .finish(.failed(let reason)):
                    throw failure ?? DaemonError.deployFailed(app: app.rawValue, reason: reason)
                }
            }
            guard let next else {
                throw DaemonError.deployFailed(
                    app: app.rawValue, reason: "the cutover stopped in \(machine.phase.map(\.rawValue) ?? "no phase")")
            }
            event = next
        }
    }

    /// Writes `phase` before its step, then lets the fault hook kill dokuend there when a test asks.
    private func record(_ phase: CutoverPhase, of state: CutoverState) async throws {
        try await store.recordPhase(state.deploy, phase.rawValue, candidate: state.release)
        // A build is killed by the hook once its processes run (`Deployer.build`), not before its directory exists.
        if phase != .building { FaultHook.reached(phase) }
    }

    /// One step of the machine.
    private func perform(
        _ step: CutoverMachine.Step, source: CutoverSource, _ state: inout CutoverState, progress: Progress
    )
        async throws
    {
        let app = state.app
        switch step {
        case .build:
            guard case .make(let make) = source else { return }
            let input = try await make()
            state.input = input
            state.made = input.build
        case .startCandidate(let stopServingFirst):
            guard let input = state.input else { return }
            state.checks = await checks(app, build: input.build, progress: progress)
            let candidate = Candidate(
                release: state.release, build: input.build, env: input.env, formation: input.formation,
                keepsServing: !stopServingFirst, followsStored: input.followsStored)
            state.candidate = candidate
            state.createdAt = candidate.createdAt
            if stopServingFirst, let serving = state.serving {
                progress("Zero-downtime is off for \(app) (dokuen checks enable): stopping \(serving) first")
                let none = Formation(scales: input.formation.scales.map { Formation.Scale(type: $0.type, count: 0) })
                try await supervisor.propose(
                    Candidate(
                        release: state.release, build: input.build, env: input.env, formation: none,
                        keepsServing: false))
                // Out of nginx first (it answers 503 meanwhile), drained, then stopped.
                if let routing, try await routing.pin(app, to: state.release), drainMilliseconds > 0 {
                    try await Task.sleep(for: .milliseconds(drainMilliseconds))
                }
                try await supervisor.reconcile()
                try await supervisor.waitUntilGone(app: app, release: serving, deadline: 120_000)
            }
            // The log lines of an instance that does not start are those written from here on.
            let began = Posix.realtimeMicroseconds() / 1000
            try await supervisor.propose(candidate)
            // The boot timeout (R10) counts from here: a stop-first cutover's stopping is not the new release's boot.
            state.start = ContinuousClock.now
            let started = input.formation.scales.filter { $0.count > 0 }.map { "\($0.type)×\($0.count)" }
            progress("Starting \(state.release): \(started.isEmpty ? "no processes" : started.joined(separator: " "))")
            try await supervisor.reconcile()
            do {
                try await supervisor.waitUntilReady(app: app, release: state.release, deadline: readyDeadline)
            } catch {
                if let failed = try? await supervisor.failedInstance(app: app, release: state.release) {
                    reportLog(of: failed, since: began, progress: progress)
                }
                throw error
            }
        case .check:
            guard let input = state.input,
                input.formation.scales.contains(where: { $0.type.rawValue == "web" && $0.count > 0 })
            else { return }
            // A stop of web during the cutover (`dokuen stop`) wins: there is nothing to check, and the release
            // goes on with web stopped (docs/DESIGN.md §2, "Verbs during a deploy").
            guard try await supervisor.wantsWeb(app: app) else {
                return progress("Not checking web: it was stopped during the deploy (dokuen start \(app))")
            }
            let checks = state.checks ?? ([], "none")
            let http = checks.checks.map { "GET \($0.path) → \($0.status)" }
            progress(
                "Checking web: its port accepts"
                    + (http.isEmpty ? "" : ", then " + http.joined(separator: ", ") + " (\(checks.source))"))
            do {
                try await checker.run(
                    app: app, release: state.release, checks: checks.checks, host: await host(of: app),
                    since: state.start ?? ContinuousClock.now, progress: progress)
            } catch {
                guard try await supervisor.wantsWeb(app: app) else {
                    return progress("web was stopped during its check (dokuen start \(app)); the release goes on")
                }
                throw error
            }
        case .route:
            // Routing off, or nothing routed before or after (no web process, no static root): nothing to drain,
            // and nginx answers the app's requests as it did.
            guard let routing, try await routing.pin(app, to: state.release) else { return }
            progress("Routing \(app) to \(state.release)")
            // Requests already sent to the old instances finish; and nginx, whose reload returns before its new
            // workers take over, is routing to the new ones by the time the cutover returns.
            if drainMilliseconds > 0 { try await Task.sleep(for: .milliseconds(drainMilliseconds)) }
        case .recordRelease:
            guard let input = state.input else { return }
            // Serialized by the deploy lock, so nothing else made a release meanwhile: this records vN, with the
            // counts that run now (a `ps scale` during the cutover changed those that follow the store).
            _ = try await store.createRelease(
                app: app, buildID: input.build.id, env: input.env,
                formation: try await live(input.formation, following: input.followsStored, app: app),
                summary: input.summary, actor: state.actor, createdAt: state.createdAt)
        case .switchLinks:
            // vN is recorded and serves from now on: the reconciler's desired state is the latest release, with
            // its formation (after a restart, the one recorded with it).
            let recorded = try await store.latestRelease(app: app)
            // The counts the cutover decided; those that follow the store (and have a row there) are in it already.
            var decided: Formation?
            if let input = state.input {
                let rows = Set(try await store.formation(app: app).map(\.type))
                decided = Formation(
                    scales: input.formation.scales.filter {
                        !(input.followsStored.contains($0.type) && rows.contains($0.type))
                    })
            }
            if let formation = decided ?? recorded?.formation, !formation.scales.isEmpty {
                do { try await store.setFormation(app: app, formation, actor: state.actor) } catch {
                    DaemonLog.error(app, "unable to record the formation of \(state.release): \(error)")
                }
            }
            await supervisor.withdraw(app: app)
            try? await routing?.pin(app, to: nil)  // the latest release is the candidate now: the same routes
            if let recorded { try switchLinks(app, to: try await store.build(app: app, id: recorded.buildID)) }
            await supervisor.releaseChanged(app)
        case .stopOld:
            try await supervisor.reconcile()
            if let serving = state.serving, serving != state.release {
                do {
                    try await supervisor.waitUntilGone(app: app, release: serving, deadline: 60_000)
                } catch {
                    DaemonLog.error(app, "instances of \(serving) are still stopping: \(error)")
                }
            }
        case .prune:
            try await prune(app, progress: progress)
        }
    }

    /// `formation` with the stored count of each type in `following` that the store has.
    private func live(_ formation: Formation, following: Set<ProcessType>, app: AppName) async throws -> Formation {
        guard !following.isEmpty else { return formation }
        let stored = Dictionary(uniqueKeysWithValues: try await store.formation(app: app).map { ($0.type, $0.count) })
        return Formation(
            scales: formation.scales.map { scale in
                guard following.contains(scale.type), let count = stored[scale.type] else { return scale }
                return Formation.Scale(type: scale.type, count: count)
            })
    }

    /// Why an instance did not start is usually at the end of its log (`sh: 1: gunicorn: not found`): its last lines
    /// since the cutover began, indented like build output (`LogTail`).
    private func reportLog(of instance: InstanceID, since milliseconds: Int64, progress: Progress) {
        let path = layout.app(instance.app).log(instance.type, index: instance.index)
        let lines = LogTail.read(path, sinceMilliseconds: milliseconds)
        guard !lines.isEmpty else {
            return progress("\(instance.dyno) did not start, and wrote nothing to its log")
        }
        progress(
            "\(instance.dyno) did not start; the end of its log (dokuen logs \(instance.app) --type \(instance.type)):")
        for line in lines { progress(BuildLog.indentation + line) }
    }

    /// The HTTP checks of a cutover to `build`. A build's app.json was checked when it was deployed; one that no
    /// longer parses (a rollback to a build older than today's rules) is said, and the build gets no HTTP check
    /// rather than no way back.
    private func checks(
        _ app: AppName, build: BuildRecord, progress: Progress
    ) async -> (checks: [HealthCheck], source: String) {
        do {
            return try await checker.checks(app: app, buildDirectory: layout.app(app).build(build.stamp))
        } catch {
            progress("No HTTP check: \(error)")
            return ([], "none")
        }
    }

    /// Before a formation change or a stop takes effect: the web slots it leaves unwanted (index above `count`,
    /// the type or the slot stopped) leave nginx's upstream first, and when one of them was serving, its requests
    /// get the drain period before the reconciler stops it. Slots wanted again rejoin as soon as they are RUNNING.
    /// `change` records the new formation; the drain set is cleared after it, whether it succeeded or not (from
    /// then on the stored formation keeps the dropped slots out of the upstream).
    func drainWeb<T>(
        _ app: AppName, count: Int, stopped: Bool, stoppedIndexes: Set<Int>, then change: () async throws -> T
    ) async throws -> T {
        guard let routing, await routing.isOn else { return try await change() }
        let unwanted = Set(
            (1...InstanceID.maxIndex).filter { stopped || $0 > count || stoppedIndexes.contains($0) })
        do {
            if try await routing.drain(app, webIndexes: unwanted), drainMilliseconds > 0 {
                try await Task.sleep(for: .milliseconds(drainMilliseconds))
            }
            let result = try await change()
            _ = try? await routing.drain(app, webIndexes: [])
            return result
        } catch {
            _ = try? await routing.drain(app, webIndexes: [])
            throw error
        }
    }

    /// The Host header of health checks: the app's name under the base domain when routing is on.
    private func host(of app: AppName) async -> String {
        await routing?.hostname(of: app) ?? "localhost"
    }

    /// Forgets releases beyond the newest `keepReleases` and removes the builds none of the kept ones use, and any
    /// build directory no build record names: what a prune or a build cut short by a restart left behind. It runs
    /// under the app's deploy lock, so no build being made right now is mistaken for a leftover. Its failure is
    /// logged, never the release's: it is up already.
    private func prune(_ app: AppName, progress: Progress) async throws {
        let deleted = try await store.prune(app: app, keep: keepReleases, actor: "dokuend")
        let kept = Set(try await store.builds(app: app).map(\.stamp))
        try BuildRemains(layout: layout).removeDirectories(app, keeping: kept)
        if !deleted.isEmpty {
            progress(
                "Pruned \(deleted.count) old build\(deleted.count == 1 ? "" : "s"); keeping \(keepReleases) releases")
        }
    }

    /// A new release of what serves now (the same build, env and formation), cut over like a deploy and under the
    /// same lock, so that every instance picks up what lives outside releases (process settings). Nil when the
    /// app has no release yet: nothing runs to pick anything up.
    /// `source` names it in the deploy's record (`settings`, `restart`); `progress` gets the cutover's steps.
    public func roll(
        _ app: AppName, summary: String, actor: String, source: String = "settings",
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> ReleaseID? {
        // Behind a deploy in progress, like every verb that makes a release (docs/DESIGN.md §2, "Verbs during a
        // deploy"); the release it restarts is the one serving once it is its turn.
        guard try await store.latestRelease(app: app) != nil else { return nil }
        let (deploy, _, output) = try await queue.start(app, source: source, actor: actor, progress: progress)
        let kept = output.keeping(progress)
        do {
            guard let current = try await store.latestRelease(app: app) else {
                throw DaemonError.deployFailed(app: app.rawValue, reason: "its releases are gone (apps destroy?)")
            }
            let formation = Formation(
                scales: try await store.formation(app: app).map { Formation.Scale(type: $0.type, count: $0.count) })
            let build = try await store.build(app: app, id: current.buildID)
            let input = CutoverInput(
                build: build, env: current.env, formation: formation,
                summary: summary, followsStored: Set(formation.scales.map(\.type)).intersection(build.processes.keys))
            let release = try await run(
                app, deploy: deploy.id, source: .existing(input), actor: actor, progress: kept)
            try await queue.finish(deploy.id, app: app, outcome: .succeeded(release: release), actor: actor)
            return release
        } catch {
            _ = try? await queue.finish(deploy.id, app: app, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
    }

    /// Stops the candidate's instances and waits (bounded) until they are gone, so its number is free again; nginx
    /// goes back to what serves. After a restart the candidate is gone from the supervisor already, and the
    /// reconciler stops what is left of it.
    private func withdraw(_ state: inout CutoverState, progress: Progress) async {
        let app = state.app
        try? await routing?.pin(app, to: nil)
        let keepsServing = state.candidate?.keepsServing ?? true
        progress(
            keepsServing
                ? "Stopping the instances of \(state.release); what was serving keeps serving"
                : "Stopping the instances of \(state.release); starting the release before it again")
        if !keepsServing {
            await supervisor.emptyCandidate(app: app)
            do {
                try await supervisor.reconcile()
                try await supervisor.waitUntilGone(app: app, release: state.release, deadline: 60_000)
            } catch {
                DaemonLog.error(app, "the instances of the failed \(state.release) are still stopping: \(error)")
            }
        }
        await supervisor.withdraw(app: app)
        do {
            try await supervisor.reconcile()
            try await supervisor.waitUntilGone(app: app, release: state.release, deadline: 60_000)
        } catch {
            DaemonLog.error(app, "the instances of the failed \(state.release) are still stopping: \(error)")
        }
    }

    /// A failed deploy's build is no release's: its record and directory go.
    private func discard(_ state: CutoverState) async {
        let app = state.app
        guard let stamp = state.made?.stamp ?? state.buildStamp else { return }
        do {
            if let build = try await store.builds(app: app).first(where: { $0.stamp == stamp }) {
                try await store.deleteBuild(app: app, id: build.id, actor: state.actor)
            }
            try Posix.removeTree(layout.app(app).build(stamp))
        } catch {
            DaemonLog.error(app, "unable to remove the build of a failed deploy: \(error)")
        }
    }

    /// After a restart (docs/DESIGN.md invariant 2, docs/FAULTS.md), before the first reconcile pass: each deploy that
    /// was running when dokuend stopped is finished from its recorded phase (`CutoverMachine` rule 4). One whose
    /// release was recorded ends succeeded: its links switch, the reconciler stops the release before it, the prune
    /// finishes. One cut short before that ends failed: a build still running is killed and its directory removed, and
    /// the reconciler stops what started of its candidate. Then every app's links follow its latest release, and
    /// build directories no record names (a prune or a build cut short) go.
    public func recover() async throws {
        for deploy in try await store.runningDeploys() {
            let phase = deploy.phase.flatMap(CutoverPhase.init(rawValue:)) ?? .starting
            let latest = try await store.latestRelease(app: deploy.app)
            let recorded = deploy.candidate != nil && latest?.id == deploy.candidate
            var state = CutoverState(
                app: deploy.app, deploy: deploy.id,
                // A deploy cut short before its first phase would have made the release after the latest.
                release: try deploy.candidate ?? ReleaseID(number: (latest?.id.number ?? 0) + 1), serving: nil,
                actor: "dokuend")
            state.buildStamp = deploy.buildStamp
            if let latest, recorded { state.serving = try? ReleaseID(number: latest.id.number - 1) }
            var machine = CutoverMachine(
                plan: CutoverMachine.Plan(makesBuild: deploy.buildStamp != nil, replacesServing: true),
                recordedPhase: phase)
            var event = CutoverMachine.Event.restarted(releaseRecorded: recorded)
            var outcome: DeployRecord.Outcome?
            while outcome == nil {
                var next: CutoverMachine.Event?
                for action in machine.handle(event) {
                    switch action {
                    case .record(let phase):
                        do { try await record(phase, of: state) } catch {
                            DaemonLog.error(
                                deploy.app, "unable to record phase \(phase.rawValue) of deploy \(deploy.id): \(error)"
                            )
                        }
                    case .run(let step):
                        do {
                            try await perform(step, source: .recovered, &state, progress: { _ in })
                            next = .stepDone
                        } catch { next = .stepFailed("\(error)") }
                    case .killBuild:
                        if let stamp = state.buildStamp { BuildRemains(layout: layout).kill(deploy.app, stamp: stamp) }
                    case .withdraw:
                        // The candidate died with the old process: the latest release is what the reconciler wants,
                        // so a pass stops what started of the candidate before its build goes. nginx goes back to
                        // the release that serves first, as a live withdraw does: cut short in `routing` or
                        // `recording`, nginx still routes to the candidate, which the pass is about to stop
                        // (bench/chaos found the 502s of that order, docs/RELIABILITY.md).
                        // Requests that nginx's old workers still send there get the drain period, as in a live
                        // cutover.
                        if let routing, await routing.isOn, phase == .routing || phase == .recording {
                            do {
                                try await routing.update(deploy.app)
                                if drainMilliseconds > 0 { try await Task.sleep(for: .milliseconds(drainMilliseconds)) }
                            } catch {
                                DaemonLog.error(deploy.app, "unable to route back to what serves: \(error)")
                            }
                        }
                        do {
                            try await supervisor.reconcile()
                            try await supervisor.waitUntilGone(
                                app: deploy.app, release: state.release, deadline: 60_000)
                        } catch {
                            DaemonLog.error(
                                deploy.app, "the instances of the failed \(state.release) are still stopping: \(error)"
                            )
                        }
                    case .discardBuild:
                        await discard(state)
                    case .log(let message):
                        DaemonLog.info(deploy.app, "\(message)")
                    case .finish(.succeeded):
                        outcome = .succeeded(release: latest?.id ?? state.release)
                    case .finish(.failed(let reason)):
                        outcome = .failed(error: reason)
                    }
                }
                guard let next else { break }
                event = next
            }
            let ending = outcome ?? .failed(error: "dokuend restarted while \(phase.doing)")
            try await store.finishDeploy(deploy.id, outcome: ending, actor: "dokuend")
            switch ending {
            case .succeeded(let release):
                DaemonLog.info(
                    deploy.app,
                    "deploy \(deploy.id) was cut short by a restart after \(release) was recorded; it succeeded")
            case .failed(let reason):
                DaemonLog.error(deploy.app, "deploy \(deploy.id) was cut short by a restart and failed: \(reason)")
            }
        }
        for app in try await store.apps() {
            let builds = try await store.builds(app: app.name)
            BuildRemains(layout: layout).sweep(app.name, keeping: Set(builds.map(\.stamp)))
            guard let release = try await store.latestRelease(app: app.name) else { continue }
            let target = "releases/\(release.buildStamp)"
            if (try? Posix.readlink(layout.app(app.name).current)) != target {
                try switchLinks(app.name, to: try await store.build(app: app.name, id: release.buildID))
            }
        }
    }

    /// `current` → the new build and `previous` → the old one, each swapped by one rename(2).
    private func switchLinks(_ app: AppName, to build: BuildRecord) throws {
        let paths = layout.app(app)
        let target = "releases/\(build.stamp)"
        if let old = try? Posix.readlink(paths.current), old != target { try swapLink(paths.previous, to: old) }
        try swapLink(paths.current, to: target)
    }

    private func swapLink(_ path: String, to target: String) throws {
        let temporary = path + ".new"
        if try Posix.lstat(temporary) != nil { try Posix.unlink(temporary) }
        try Posix.symlink(target: target, at: temporary)
        try Posix.rename(temporary, path)
    }
}

/// Where a long operation reports its `-----> ` steps as they happen.
typealias Progress = @Sendable (String) -> Void
