import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenSupervision
import Synchronization

/// The reconcile loop: it reads the desired state (`DesiredState`, from the store and the cutovers under way) and the
/// actual state (`InstanceObserver`, from `run/svc`), asks the pure planner (`Reconciler.plan`) what to do, and does
/// it through `InstanceLauncher` and the shims' control FIFOs. It is the only code that starts or stops shims
/// (docs/SHIM.md describes the shim's side). An actor, so that passes never overlap; it knows no wire type (the API maps its values, in
/// `InstanceSupervisor+API.swift`).
///
/// Every pass ends by announcing a change: `waitUntilReady`, `waitUntilGone` and `GET /v1/changes` await those
/// announcements with a deadline, and never look again on a timer. Shim events and shim deaths ask for a pass
/// through `requestReconcile`, which the `ReconcileLoop` service runs.
public actor InstanceSupervisor {
    let layout: RootLayout
    let store: Store
    /// Each app's user when dokuend is root (docs/ISOLATION.md), and the owners of its files.
    let accounts: AppAccounts
    let observer: InstanceObserver
    let launcher: InstanceLauncher
    /// What was observed, read again only where something changed (`observed()`).
    private var fleet = ObservedFleet()
    /// The instances that shims' events and deaths named since the last look, and whether every directory must be
    /// read again. Marked from the events' and the watcher's threads without a hop to the actor, so the pass they
    /// ask for next always sees the mark.
    private nonisolated let changes = Mutex<(instances: Set<InstanceID>, all: Bool)>(([], false))
    /// The last (restarts, state) reported per service directory, so each exit is logged once.
    var seenExits: [String: String] = [:]
    /// The shims dropping log output now, for one `log.dropped` event per episode.
    var logDropEpisodes = LogDropEpisodes()
    /// Handed the live shims after every reconcile, so that a shim that dies without a word wakes dokuend at once.
    var shimWatcher: ShimWatcher?
    /// Per app, the release being cut over to, if any (see `Candidate`).
    var candidates: [AppName: Candidate] = [:]
    /// Runs after each reconcile (routing follows the instances); it must not call `reconcile`.
    var afterReconcile: (@Sendable () async -> Void)?

    /// How many changes were announced so far: `GET /v1/changes` answers once it moves past what a client saw.
    public private(set) var generation = 0
    /// Waiters for the next change, by ticket (each pass of `reconcile` resumes them all).
    private var changeWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextTicket = 0

    /// Requests for a pass (shim events, shim deaths), consumed by `ReconcileLoop`. Requests that arrive while one
    /// waits merge into it.
    nonisolated let reconcileRequests: AsyncStream<Void>
    private nonisolated let requestContinuation: AsyncStream<Void>.Continuation

    /// Sets what runs after each reconcile; call it before the first one.
    public func setAfterReconcile(_ action: (@Sendable () async -> Void)?) { afterReconcile = action }

    /// What runs once a cutover has made a new release current (cron re-reads its jobs, docs/CRON.md).
    var afterRelease: (@Sendable (AppName) -> Void)?

    /// Sets what runs once a cutover has made a new release current.
    public func setAfterRelease(_ action: (@Sendable (AppName) -> Void)?) { afterRelease = action }

    /// Called by the cutover when `app`'s latest release changed. It is a change of the desired state, announced as
    /// one: `LivenessMonitor` learns the checks of a release only once it is recorded, and a first deploy has no
    /// reconcile pass after that.
    func releaseChanged(_ app: AppName) {
        afterRelease?(app)
        announceChange()
    }

    /// The add-ons linked to an app that do not answer yet (docs/ADDONS.md): an app's new instances count as started
    /// only once this is empty. Nil: no add-ons.
    var unreadyDependencies: (@Sendable (AppName) async -> [String])?

    public func setUnreadyDependencies(_ check: (@Sendable (AppName) async -> [String])?) {
        unreadyDependencies = check
    }

    /// Counts the passes (docs/METRICS.md); nil: not counted.
    let metrics: DaemonMetrics?

    public init(
        layout: RootLayout, store: Store, shimPath: String, accounts: AppAccounts,
        portRange: ClosedRange<Int> = Store.defaultPortRange, metrics: DaemonMetrics? = nil
    ) {
        self.metrics = metrics
        self.layout = layout
        self.store = store
        self.accounts = accounts
        observer = InstanceObserver(layout: layout)
        launcher = InstanceLauncher(
            layout: layout, store: store, shimPath: shimPath, accounts: accounts, portRange: portRange)
        (reconcileRequests, requestContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass soon, without waiting for it (`ReconcileLoop` runs it).
    public nonisolated func requestReconcile() {
        requestContinuation.yield()
    }

    /// The shim of `directory` said its status changed, or died: its instance is read again at the next look, and a
    /// pass is asked for. A directory that is no app instance's (an add-on's, a cron run's) only asks for the pass.
    public nonisolated func shimChanged(directory: String) {
        if let id = observer.instance(directory: directory) {
            changes.withLock { _ = $0.instances.insert(id) }
        }
        requestReconcile()
    }

    /// Events may have gone nowhere (the events socket was replaced): the next look reads every directory, and a
    /// pass is asked for.
    public nonisolated func shimsMayHaveChanged() {
        changes.withLock { $0.all = true }
        requestReconcile()
    }

    /// Whether a pass is under way, and whether another must follow it (something changed meanwhile).
    private var passing = false
    private var passAgain = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// Plans and applies until nothing changed during the last pass, then returns what was done. Passes never
    /// overlap: an actor lets calls interleave at every `await`, so a call that arrives during a pass asks for one
    /// more and waits for it, instead of acting on a plan made from stale observations.
    @discardableResult
    public func reconcile() async throws -> [ReconcileAction] {
        if passing {
            passAgain = true
            await withCheckedContinuation { idleWaiters.append($0) }
            return []
        }
        passing = true
        defer {
            passing = false
            let waiters = idleWaiters
            idleWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
            announceChange()
        }
        var done: [ReconcileAction] = []
        repeat {
            passAgain = false
            metrics?.reconcilePassed()
            done += try await pass()
            // Inside the loop: a change that arrives while routing updates asks for one more pass, not lost.
            if let afterReconcile { await afterReconcile() }
        } while passAgain
        // Read and handed over without a suspension: no shim can start meanwhile (see `ShimWatcher.watch`).
        if let shimWatcher, let instances = try? observed() {
            shimWatcher.watch(
                instances.filter(\.shimAlive).compactMap { instance in
                    guard let pid = instance.status?.shimPID, pid > 0 else { return nil }
                    return ShimWatcher.Shim(pid: pid, directory: layout.serviceDirectory(instance.id))
                })
        }
        return done
    }

    private func pass() async throws -> [ReconcileAction] {
        let plan = Reconciler.plan(desired: try await desired(), observed: try observed())
        var facts = InstanceLauncher.Facts()
        // Each release's spec once, and every start's port in one write per app, before the first spawn.
        var starts: [(id: InstanceID, spec: InstanceLauncher.Spec)] = []
        for case .start(let id) in plan {
            if let spec = try? await launchSpec(id, &facts) { starts.append((id, spec)) }
        }
        await launcher.prepare(starts, &facts)
        // Starts are spawned as they come and waited for together, before any other kind of action and at the end,
        // so the plan's order holds between starts and the rest.
        var started: [(ReconcileAction, ShimStarter)] = []
        func waitForStarted() {
            for (action, starter) in started {
                do { try starter.wait() } catch { DaemonLog.error(action.instance, "unable to start: \(error)") }
                fleet.changed(action.instance)
            }
            started.removeAll()
        }
        for action in plan {
            do {
                if case .start = action {} else { waitForStarted() }
                if let starter = try await apply(action, &facts) { started.append((action, starter)) }
            } catch {
                DaemonLog.error(action.instance, "unable to \(verb(action)): \(error)")
            }
            // Read again at the next look, whatever came of it (a start's again once its shim answered, above).
            fleet.changed(action.instance)
        }
        waitForStarted()
        return plan
    }

    /// Does `action`; a start only spawns its shim and returns the starter to wait for (`pass`).
    private func apply(_ action: ReconcileAction, _ facts: inout InstanceLauncher.Facts) async throws -> ShimStarter? {
        switch action {
        case .start(let id): return try await launcher.launch(id, try await launchSpec(id, &facts), &facts)
        case .stop(let id): try sendControl(.exit, to: id)
        case .reap(let id, let pgid):
            _ = try? Posix.kill(-pgid, .kill)
            // The shim died without a word (SIGKILL, the OOM killer): invariant 6 wants it in the event log.
            let shim = observer.status(of: id)
            try? await store.appendEvent(
                actor: "dokuend", app: id.app, action: "shim.lost",
                detail: "\(id.directoryName): its shim (pid \(shim?.shimPID ?? 0)) died; its process group \(pgid) "
                    + "was killed before any replacement starts")
            logDropEpisodes.forget(directory: layout.serviceDirectory(id))
            try await launcher.remove(id)
        case .remove(let id):
            logDropEpisodes.forget(directory: layout.serviceDirectory(id))
            try await launcher.remove(id)
        }
        return nil
    }

    /// The build, env and formation an instance starts with: its release's, or the candidate's while one is
    /// being cut over to. Read once per release in a pass (`facts`).
    private func launchSpec(_ id: InstanceID, _ facts: inout InstanceLauncher.Facts) async throws
        -> InstanceLauncher.Spec
    {
        let key = "\(id.app)@\(id.release)"
        if let known = facts.specs[key] { return known }
        let spec = try await readLaunchSpec(id)
        facts.specs[key] = spec
        return spec
    }

    private func readLaunchSpec(_ id: InstanceID) async throws -> InstanceLauncher.Spec {
        if let candidate = candidates[id.app], candidate.release == id.release {
            return InstanceLauncher.Spec(
                build: candidate.build, env: candidate.env, formation: candidate.formation,
                release: InstanceEnvironment.Release(
                    id: candidate.release, createdAt: candidate.createdAt, commit: candidate.build.commit))
        }
        let release = try await store.release(app: id.app, id.release)
        let build = try await store.build(app: id.app, id: release.buildID)
        return InstanceLauncher.Spec(
            build: build, env: release.env, formation: release.formation,
            release: InstanceEnvironment.Release(id: release.id, createdAt: release.createdAt, commit: build.commit))
    }

    private func verb(_ action: ReconcileAction) -> String {
        switch action {
        case .start: "start"
        case .stop: "stop"
        case .reap: "clean up after its dead shim"
        case .remove: "remove"
        }
    }

    // MARK: State

    /// The instances on disk with their shims' status: what was read before, with what changed since read again
    /// (`ObservedFleet`).
    public func observed() throws -> [ObservedInstance] {
        let marked = changes.withLock { marked in
            defer { marked = ([], false) }
            return marked
        }
        if marked.all { fleet.forgetAll() }
        for id in marked.instances { fleet.changed(id) }
        return try fleet.look(observer)
    }

    /// What every app (or only `only`) should run: its latest release, or its candidate during a cutover.
    func desired(only: AppName? = nil) async throws -> [DesiredApp] {
        var stored: [DesiredState.StoredApp] = []
        for app in try await store.apps() where only == nil || app.name == only {
            stored.append(
                DesiredState.StoredApp(
                    app: app.name, release: try await store.latestRelease(app: app.name)?.id,
                    formation: try await store.formation(app: app.name), stopped: app.stopped))
        }
        return DesiredState.apps(stored, candidates: candidates)
    }

    /// What the API shows as the instances' status: the observed instances, the desired state and the port leases,
    /// read together.
    func snapshot() async throws -> (observed: [ObservedInstance], desired: [DesiredApp], leases: [PortLease]) {
        let leases = try await store.portLeases()
        let observed = try observed()
        return (observed, try await desired(), leases)
    }

    /// Whether this report of an exit is new for `directory`.
    func isNewExit(directory: String, restarts: Int, state: ShimState) -> Bool {
        let key = "\(restarts)/\(state.name)"
        if seenExits[directory] == key { return false }
        seenExits[directory] = key
        return true
    }

    /// Whether this report of `directory`'s shim starts an episode of dropped log output (`LogDropEpisodes`).
    func startsLogDropEpisode(directory: String, record: StatusRecord) -> Bool {
        logDropEpisodes.startsEpisode(directory: directory, dropping: record.logDropping)
    }

    /// Installs the watcher that each reconcile hands the live shims to; call it before the first reconcile.
    public func setShimWatcher(_ watcher: ShimWatcher?) { shimWatcher = watcher }

    // MARK: Control

    /// Sends `command` to every live instance the targets name; returns the instances it went to. A target that
    /// names nothing is an error (supervisorctl's "no such process").
    func send(_ command: ControlCommand, targets: [Target]) throws -> [InstanceID] {
        let live = try observed().filter(\.shimAlive)
        var chosen: [InstanceID] = []
        for target in targets {
            let matching = live.map(\.id).filter { target.matches($0) }
            guard !matching.isEmpty else { throw DaemonError.noSuchProcess(target.description) }
            chosen += matching.filter { !chosen.contains($0) }
        }
        for id in chosen {
            fleet.changed(id)
            try sendControl(command, to: id)
        }
        return chosen
    }

    func sendControl(_ command: ControlCommand, to id: InstanceID) throws {
        try ShimControl.send(command, toDirectory: layout.serviceDirectory(id))
    }

    /// Writes `command` to the `control` FIFO of the shim of `directory` (docs/SHIM.md), without blocking.
    static func sendControl(_ command: ControlCommand, toDirectory directory: String) throws {
        try ShimControl.send(command, toDirectory: directory)
    }

    // MARK: Cutovers

    /// Makes `candidate` what `app`'s instances are reconciled towards (the caller holds the deploy lock). Fails
    /// while instances of an earlier candidate with the same number are still stopping.
    public func propose(_ candidate: Candidate) throws {
        let app = candidate.build.app
        if let stale = try observed().first(where: { $0.id.app == app && $0.id.release >= candidate.release }) {
            throw DaemonError.deployFailed(
                app: app.rawValue,
                reason: "\(stale.id.dyno)@\(stale.id.release) of an earlier failed attempt is still stopping; "
                    + "try again in a few seconds")
        }
        candidates[app] = candidate
    }

    /// A cutover that succeeded: auto-rollback (`LivenessMonitor`) watches the release it made for its window.
    struct CutoverNote: Sendable {
        let release: ReleaseID
        let at: ContinuousClock.Instant
        /// A rollback's release is never rolled back by itself (no loop between two bad releases).
        let isRollback: Bool
        var handled = false
    }

    private var cutoverNotes: [AppName: CutoverNote] = [:]
    private var rollbackHandler: (@Sendable (AppName, ReleaseID, ReleaseID) async throws -> ReleaseID)?

    func noteCutover(app: AppName, release: ReleaseID, isRollback: Bool) {
        cutoverNotes[app] = CutoverNote(release: release, at: .now, isRollback: isRollback)
    }

    /// At dokuend's start: notes the last cutover of every app whose auto-rollback window may still be open, from
    /// the store (the finish time of the deploy that made its latest release, whole seconds), so that a restart
    /// inside a window forgets nothing. A note made meanwhile (a cutover the restart recovered) is kept.
    func recallCutovers(maxWindow: Int) async {
        let now = Posix.realtimeMicroseconds() / 1_000_000
        for app in (try? await store.apps()) ?? [] where cutoverNotes[app.name] == nil {
            guard let latest = try? await store.latestRelease(app: app.name),
                let deploy = try? await store.deploys(app: app.name, limit: 20).first(where: {
                    $0.state == .succeeded && $0.release == latest.id
                }),
                let finished = deploy.finishedAt, cutoverNotes[app.name] == nil
            else { continue }
            let age = now - finished
            guard age >= 0, age <= maxWindow else { continue }
            cutoverNotes[app.name] = CutoverNote(
                release: latest.id, at: ContinuousClock.now.advanced(by: .seconds(-age)),
                isRollback: latest.summary.hasPrefix(Cutover.rollbackSummary))
        }
    }

    func notes() -> [AppName: CutoverNote] { cutoverNotes }

    /// Marks `app`'s note of `release` handled; false when it was already, or is of another release now.
    func claimRollback(app: AppName, release: ReleaseID) -> Bool {
        guard var note = cutoverNotes[app], note.release == release, !note.handled else { return false }
        note.handled = true
        cutoverNotes[app] = note
        return true
    }

    /// How an auto-rollback rolls back: `Cutover.rollback` of the API's cutover, so it queues behind a deploy like
    /// `dokuen rollback` (docs/DESIGN.md §2, "Verbs during a deploy").
    public func setRollbackHandler(
        _ handler: @escaping @Sendable (AppName, ReleaseID, ReleaseID) async throws -> ReleaseID
    ) {
        rollbackHandler = handler
    }

    func rollback() -> (@Sendable (AppName, ReleaseID, ReleaseID) async throws -> ReleaseID)? { rollbackHandler }

    /// The release being cut over to, if any.
    public func candidate(of app: AppName) -> Candidate? { candidates[app] }

    /// Keeps `app`'s candidate but wants none of its instances: a failed stop-first cutover stops them before the
    /// release before it starts again (the two never run at once).
    public func emptyCandidate(app: AppName) {
        guard let candidate = candidates[app] else { return }
        let none = Formation(scales: candidate.formation.scales.map { Formation.Scale(type: $0.type, count: 0) })
        candidates[app] = Candidate(
            release: candidate.release, build: candidate.build, env: candidate.env, formation: none,
            keepsServing: false)
    }

    /// Goes back to reconciling `app` towards its latest release.
    public func withdraw(app: AppName) {
        candidates[app] = nil
    }

    // MARK: Waiting

    /// Waits until every slot `app` wants at `release` has a live RUNNING instance of it, or one that finished
    /// (instances of the serving release may still run beside them). Fails when one of them crashes (BACKOFF,
    /// FATAL, EXITED with a failure) or `deadline` (ms) passes. An instance finished when it is EXITED with code 0:
    /// the shim leaves a process EXITED only when its type's `restart` (`never`, `on-failure`) says it may exit,
    /// so a one-shot type fails nothing by doing its job. It looks again at each announced change, never on a timer.
    public func waitUntilReady(app: AppName, release: ReleaseID, deadline milliseconds: Int) async throws {
        let end = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
        while true {
            let mine = try observed().filter { $0.id.app == app && $0.shimAlive && $0.id.release == release }
            // Only the slots wanted now: one stopped meanwhile (`dokuen stop` during the cutover) is no failure
            // when its process exits, and no longer awaited.
            let wanted = try await desired(only: app).first.map { DesiredState.wantedSlots(of: $0) } ?? []
            let wants = { (instance: ObservedInstance) in
                wanted.contains { $0.type == instance.id.type && $0.index == instance.id.index }
            }
            if let failed = mine.first(where: { wants($0) && Self.hasFailed($0) }) {
                let reason =
                    failed.status?.error.isEmpty == false
                    ? failed.status!.error : (failed.status?.lastExit?.text ?? "it stopped")
                throw DaemonError.notUp(
                    release: release.description, reason: "\(failed.id.dyno) did not start: \(reason)")
            }
            var missing = 0
            for slot in wanted {
                let ready = mine.contains {
                    $0.id.type == slot.type && $0.id.index == slot.index
                        && ($0.status?.state == .running || Self.hasFinished($0))
                }
                if !ready { missing += 1 }
            }
            if missing == 0 {
                // The add-ons it is linked to must answer too; an add-on's answer is no shim event, so this looks
                // again at each change and at least every 200 ms.
                guard let unready = await unreadyDependencies?(app), !unready.isEmpty else { return }
                let soon = ContinuousClock.now.advanced(by: .milliseconds(200))
                _ = await nextChange(before: min(soon, end))
                guard ContinuousClock.now < end else {
                    throw DaemonError.notUp(
                        release: release.description,
                        reason: "its add-on(s) \(unready.joined(separator: ", ")) did not answer in time")
                }
                continue
            }
            guard await nextChange(before: end) else {
                throw DaemonError.notUp(
                    release: release.description, reason: "\(missing) instance(s) were not ready in time")
            }
        }
    }

    /// Whether `app` wants a web instance now: false once web, or the app, was stopped (a check has nothing to do).
    public func wantsWeb(app: AppName) async throws -> Bool {
        guard let wanted = try await desired(only: app).first else { return false }
        return DesiredState.wantedSlots(of: wanted).contains { $0.type.rawValue == "web" }
    }

    /// The first live instance of `app` at `release` that failed to start (`waitUntilReady`'s reason), if any.
    public func failedInstance(app: AppName, release: ReleaseID) throws -> InstanceID? {
        try observed().first { $0.id.app == app && $0.shimAlive && $0.id.release == release && Self.hasFailed($0) }?
            .id
    }

    /// Crashed: BACKOFF, FATAL, or EXITED other than with code 0.
    static func hasFailed(_ instance: ObservedInstance) -> Bool {
        switch instance.status?.state ?? .starting {
        case .backoff, .fatal: true
        case .exited: !hasFinished(instance)
        default: false
        }
    }

    /// Done: EXITED with code 0, which its type's `restart` allows (a one-shot type).
    static func hasFinished(_ instance: ObservedInstance) -> Bool {
        instance.status?.state == .exited && instance.status?.lastExit == .code(0)
    }

    /// Waits until no instance of `release` of `app` is left on disk, or `deadline` (ms) passes. A stopping shim
    /// announces its exit (its last event, or its pidfd), whose pass removes its directory.
    public func waitUntilGone(app: AppName, release: ReleaseID, deadline milliseconds: Int) async throws {
        let end = ContinuousClock.now.advanced(by: .milliseconds(milliseconds))
        while try observed().contains(where: { $0.id.app == app && $0.id.release == release }) {
            guard await nextChange(before: end) else {
                throw DaemonError.deployFailed(
                    app: app.rawValue, reason: "instances of \(release) did not stop in time")
            }
        }
    }

    /// Waits until a change after `generation` is announced, `end` passes, or the task is cancelled; returns the
    /// generation then.
    public func change(after generation: Int, before end: ContinuousClock.Instant) async -> Int {
        while self.generation <= generation {
            guard await nextChange(before: end) else { break }
        }
        return self.generation
    }

    /// Wakes everyone waiting for a change.
    private func announceChange() {
        generation += 1
        let waiters = changeWaiters
        changeWaiters.removeAll()
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns true at the next announced change, false once `end` passed first (the one timer here is that
    /// deadline) or the task was cancelled.
    private func nextChange(before end: ContinuousClock.Instant) async -> Bool {
        guard end > .now else { return false }
        let ticket = nextTicket
        nextTicket += 1
        let timer = Task { [weak self] in
            try await Task.sleep(until: end)
            await self?.expire(ticket)
        }
        let before = generation
        // A cancelled waiter (a service stopping at a graceful shutdown) goes at once, not at its deadline.
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    changeWaiters[ticket] = continuation
                    resumeWaiterWatches()
                }
            }
        } onCancel: {
            Task { await self.expire(ticket) }
        }
        timer.cancel()
        return generation != before
    }

    private func expire(_ ticket: Int) {
        changeWaiters.removeValue(forKey: ticket)?.resume()
    }

    /// Callers of `untilWaiting(_:)`, each with the number of waiters it awaits.
    private var waiterWatches: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// Returns once at least `count` calls wait in `change(after:before:)` (their continuations registered), so a
    /// test acts on a waiter that really waits, whatever the scheduler did, instead of sleeping and hoping.
    func untilWaiting(_ count: Int) async {
        guard changeWaiters.count < count else { return }
        await withCheckedContinuation { waiterWatches.append((count, $0)) }
    }

    private func resumeWaiterWatches() {
        let ready = waiterWatches.filter { $0.count <= changeWaiters.count }
        waiterWatches.removeAll { $0.count <= changeWaiters.count }
        for watch in ready { watch.continuation.resume() }
    }
}
