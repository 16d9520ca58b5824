import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenSupervision
import DokuenSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// The reconciler's I/O: it reads the desired state from the store and the actual state from `run/svc`, asks the
/// pure planner (`Reconciler.plan`) what to do, and does it. It is the only code that starts or stops shims
/// (DESIGN.md §2). An actor, so that passes never overlap.
public actor InstanceSupervisor {
    let layout: RootLayout
    let store: Store
    let shimPath: String
    /// Each app's user when dokuend is root (DESIGN.md §2, Privileges), and the owners of its files.
    let accounts: AppAccounts
    let bootID: String
    /// Waiters for the next change of any instance (each pass of `reconcile` and each shim event resumes them).
    var changeWaiters: [CheckedContinuation<Void, Never>] = []
    /// The last (restarts, state) reported per service directory, so each exit is logged once.
    var seenExits: [String: String] = [:]
    /// Handed the live shims after every reconcile, so that a shim that dies without a word wakes dokuend at once.
    var shimWatcher: ShimWatcher?
    /// Per app, the release being cut over to, if any (see `Candidate`).
    var candidates: [AppName: Candidate] = [:]
    /// Runs after each reconcile (routing follows the instances); it must not call `reconcile`.
    var afterReconcile: (@Sendable () async -> Void)?

    /// Sets what runs after each reconcile; call it before the first one.
    public func setAfterReconcile(_ action: (@Sendable () async -> Void)?) { afterReconcile = action }

    /// The ports instances lease from (DESIGN.md §2: 5000–5999 unless set).
    let portRange: ClosedRange<Int>

    public init(
        layout: RootLayout, store: Store, shimPath: String, accounts: AppAccounts,
        portRange: ClosedRange<Int> = Store.defaultPortRange
    ) {
        self.layout = layout
        self.portRange = portRange
        self.store = store
        self.shimPath = shimPath
        self.accounts = accounts
        let raw = (try? Posix.readFile("/proc/sys/kernel/random/boot_id")) ?? []
        bootID = String(decoding: raw.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
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

    /// What the starts of one pass read once rather than per instance (`launch`): the ports other programs listen
    /// on (a shim started in the pass is not listening yet), and the apps whose user and owners are checked.
    struct LaunchFacts {
        var busyPorts: Set<Int>?
        var secured: [AppName: ChildProcess.Credentials?] = [:]

        mutating func ports() -> Set<Int> {
            if let busyPorts { return busyPorts }
            let ports = Posix.listeningTCPPorts()
            busyPorts = ports
            return ports
        }
    }

    private func pass() async throws -> [ReconcileAction] {
        let plan = Reconciler.plan(desired: try await desired(), observed: try observed())
        var facts = LaunchFacts()
        // Starts are spawned as they come and waited for together, before any other kind of action and at the end,
        // so the plan's order holds between starts and the rest.
        var started: [(ReconcileAction, ShimStarter)] = []
        func waitForStarted() {
            for (action, starter) in started {
                do { try starter.wait() } catch { log("dokuend: \(action.instance): unable to start: \(error)") }
            }
            started.removeAll()
        }
        for action in plan {
            do {
                if case .start = action {} else { waitForStarted() }
                if let starter = try await apply(action, &facts) { started.append((action, starter)) }
            } catch {
                log("dokuend: \(action.instance): unable to \(verb(action)): \(error)")
            }
        }
        waitForStarted()
        return plan
    }

    /// The instances on disk with their shims' status.
    public func observed() throws -> [ObservedInstance] {
        var result: [ObservedInstance] = []
        guard Posix.isDirectory(layout.serviceDirectory) else { return [] }
        for appName in try Posix.listDirectory(layout.serviceDirectory) {
            guard let app = try? AppName(appName) else { continue }
            for name in try Posix.listDirectory(layout.serviceDirectory + "/" + appName) {
                guard let id = try? InstanceID(app: app, directoryName: name) else { continue }
                let directory = layout.serviceDirectory(id)
                let alive = (try? FileLock.isHeld(directory + "/lock")) ?? false
                var status = (try? Posix.readFile(directory + "/status")).flatMap {
                    StatusRecord(decoding: String(decoding: $0, as: UTF8.self))
                }
                // A record from an earlier boot names pids that mean nothing now: never signal them.
                if let record = status, !alive, record.bootID != bootID {
                    status?.pgid = 0
                    status?.pid = 0
                }
                result.append(ObservedInstance(id: id, shimAlive: alive, status: status))
            }
        }
        return result
    }

    /// Sends a shim control command to every live instance the targets name; returns their statuses. A target that
    /// names nothing is an error (supervisorctl's "no such process").
    public func control(_ command: String, targets: [Target]) async throws -> [InstanceStatus] {
        let live = try observed().filter(\.shimAlive)
        var chosen: [InstanceID] = []
        for target in targets {
            let matching = live.map(\.id).filter { target.matches($0) }
            guard !matching.isEmpty else { throw DaemonError.noSuchProcess(target.description) }
            chosen += matching.filter { !chosen.contains($0) }
        }
        for id in chosen { try sendControl(command, to: id) }
        return try await statuses().filter { status in
            chosen.contains {
                $0.app.rawValue == status.app && $0.type.rawValue == status.type && $0.index == status.index
                    && $0.release.description == status.release
            }
        }
    }

    /// The build directory, environment and user of a one-off `dokuen run` process of `app`'s current release
    /// (`DYNO=run.1`, no port).
    public func runSpec(for app: AppName) async throws -> RunSpec {
        guard let release = try await store.latestRelease(app: app) else {
            throw DaemonError.deployFailed(app: app.rawValue, reason: "it has no release yet; deploy it first")
        }
        let build = try await store.build(app: app, id: release.buildID)
        let paths = layout.app(app)
        let id = try InstanceID(app: app, type: ProcessType("run"), index: 1, release: release.id)
        let environment = InstanceEnvironment.make(
            instance: id, port: nil, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: try EnvDirectory(path: paths.env).dictionary(),
            singleInstancePorts: [:])
        let credentials = try await accounts.credentials(app)
        return RunSpec(
            directory: paths.build(build.stamp), environment: environment,
            user: credentials == nil ? nil : AppUser(app).name)
    }

    /// Installs the watcher that each reconcile hands the live shims to; call it before the first reconcile.
    public func setShimWatcher(_ watcher: ShimWatcher?) { shimWatcher = watcher }

    /// Wakes everyone waiting for a change.
    func announceChange() {
        let waiters = changeWaiters
        changeWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Returns at the next change, or after `milliseconds`, whichever comes first.
    func nextChange(milliseconds: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForChange() }
            group.addTask { try? await Task.sleep(for: .milliseconds(milliseconds)) }
            await group.next()
            group.cancelAll()
            announceChange()  // frees the other waiter, if the timer won
        }
    }

    private func waitForChange() async {
        await withCheckedContinuation { changeWaiters.append($0) }
    }

    /// Waits until every slot `app` wants at `release` has a live RUNNING instance of it (instances of the serving
    /// release may still run beside them). Fails when one of them crashes (BACKOFF, FATAL, EXITED) or `deadline`
    /// (ms) passes.
    public func waitUntilReady(app: AppName, release: ReleaseID, deadline milliseconds: Int) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .milliseconds(milliseconds))
        while true {
            let mine = try observed().filter { $0.id.app == app && $0.shimAlive && $0.id.release == release }
            if let failed = mine.first(where: { [.backoff, .fatal, .exited].contains($0.status?.state ?? .starting) }) {
                let reason =
                    failed.status?.error.isEmpty == false
                    ? failed.status!.error : (failed.status?.lastExit?.text ?? "it stopped")
                throw DaemonError.notUp(
                    release: release.description, reason: "\(failed.id.dyno) did not start: \(reason)")
            }
            var missing = 0
            if let wanted = try await desired().first(where: { $0.app == app }) {
                for (type, process) in wanted.processes where process.count > 0 {
                    for index in 1...min(process.count, InstanceID.maxIndex) where process.wants(index) {
                        let ready = mine.contains {
                            $0.id.type == type && $0.id.index == index && $0.status?.state == .running
                        }
                        if !ready { missing += 1 }
                    }
                }
            }
            if missing == 0 { return }
            let left = end - clock.now
            guard left > .zero else {
                throw DaemonError.notUp(
                    release: release.description, reason: "\(missing) instance(s) were not ready in time")
            }
            await nextChange(milliseconds: Int(left.components.seconds * 1000) + 1)
        }
    }

    /// Whether this report of an exit is new for `directory`.
    func isNewExit(directory: String, restarts: Int, state: ShimState) -> Bool {
        let key = "\(restarts)/\(state.name)"
        if seenExits[directory] == key { return false }
        seenExits[directory] = key
        return true
    }

    /// Every instance's status, for `GET /v1/status`, sorted by app, type, index and release.
    /// A slot that `dokuen stop` stopped and that has no instance left shows as STOPPED, as supervisorctl shows a
    /// stopped program, so `status` still names it (and exits 3 for it).
    public func statuses() async throws -> [InstanceStatus] {
        let leases = try await store.portLeases()
        let observed = try observed()
        var stopped: [InstanceStatus] = []
        for app in try await desired() {
            guard let release = app.release else { continue }
            for (type, process) in app.processes where process.count > 0 {
                for index in 1...min(process.count, InstanceID.maxIndex) where !process.wants(index) {
                    if observed.contains(where: { $0.id.app == app.app && $0.id.type == type && $0.id.index == index })
                    {
                        continue
                    }
                    stopped.append(
                        InstanceStatus(
                            app: app.app.rawValue, type: type.rawValue, index: index, release: release.description,
                            state: "STOPPED", pid: nil, shimPID: nil, port: nil, since: 0, restarts: 0, exit: nil))
                }
            }
        }
        let running = try observed.sorted { $0.id < $1.id }.map { instance in
            let id = instance.id
            let status = instance.status
            let alive = instance.shimAlive
            let port = leases.first {
                $0.app == id.app && $0.type == id.type && $0.index == id.index && $0.release == id.release
            }?.port
            let pid = alive && (status?.pid ?? 0) > 0 ? status?.pid : nil
            // Only the shim's own child: a status file read just after the app exited may name a pid that
            // something else has taken since.
            let usage = pid.flatMap { ProcessUsage.read(pid: $0) }.flatMap {
                $0.parentPID == status?.shimPID ? $0 : nil
            }
            return InstanceStatus(
                app: id.app.rawValue, type: id.type.rawValue, index: id.index, release: id.release.description,
                state: alive ? (status?.state.name ?? "UNKNOWN") : "GONE", pid: pid,
                shimPID: alive ? status?.shimPID : nil, port: port,
                since: (status?.sinceMilliseconds ?? 0) / 1000, restarts: status?.restarts ?? 0,
                exit: status?.lastExit?.text, rssBytes: usage?.residentBytes, cpuSeconds: usage?.cpuSeconds)
        }
        func order(_ status: InstanceStatus) -> (String, String, Int, Int) {
            (status.app, status.type, status.index, Int(status.release.dropFirst()) ?? 0)
        }
        return (running + stopped).sorted { order($0) < order($1) }
    }

    /// What every app (or only `only`) should run: its latest release, or its candidate during a cutover.
    func desired(only: AppName? = nil) async throws -> [DesiredApp] {
        var apps: [DesiredApp] = []
        for app in try await store.apps() where only == nil || app.name == only {
            let release = try await store.latestRelease(app: app.name)
            var processes: [ProcessType: DesiredProcess] = [:]
            for record in try await store.formation(app: app.name) {
                processes[record.type] = DesiredProcess(
                    count: record.count, stopped: record.stopped, stoppedIndexes: record.stoppedIndexes)
            }
            if let candidate = candidates[app.name] {
                // The candidate's formation: its types at its counts, keeping each type's stopped flags.
                let counts = Dictionary(uniqueKeysWithValues: candidate.formation.scales.map { ($0.type, $0.count) })
                for type in Set(processes.keys).union(counts.keys) {
                    processes[type, default: DesiredProcess(count: 0)].count = counts[type] ?? 0
                }
                apps.append(
                    DesiredApp(
                        app: app.name, release: candidate.release, processes: processes,
                        serving: candidate.keepsServing ? release?.id : nil))
                continue
            }
            apps.append(DesiredApp(app: app.name, release: release?.id, processes: processes))
        }
        return apps
    }

    /// Does `action`; a start only spawns its shim and returns the starter to wait for (`pass`).
    func apply(_ action: ReconcileAction, _ facts: inout LaunchFacts) async throws -> ShimStarter? {
        switch action {
        case .start(let id): return try await launch(id, &facts)
        case .stop(let id): try sendControl("x", to: id)
        case .reap(let id, let pgid):
            _ = try? Posix.kill(-pgid, SIGKILL)
            // The shim died without a word (SIGKILL, the OOM killer): invariant 6 wants it in the event log.
            let shim = (try? Posix.readFile(layout.serviceDirectory(id) + "/status")).flatMap {
                StatusRecord(decoding: String(decoding: $0, as: UTF8.self))
            }
            try? await store.appendEvent(
                actor: "dokuend", app: id.app, action: "shim.lost",
                detail: "\(id.directoryName): its shim (pid \(shim?.shimPID ?? 0)) died; its process group \(pgid) "
                    + "was killed before any replacement starts")
            try await remove(id)
        case .remove(let id): try await remove(id)
        }
        return nil
    }

    func remove(_ id: InstanceID) async throws {
        try Posix.removeTree(layout.serviceDirectory(id))
        for lease in try await store.portLeases(app: id.app)
        where lease.type == id.type && lease.index == id.index && lease.release == id.release {
            try await store.releasePort(lease.port, actor: "dokuend")
        }
    }

    /// Prepares `id`'s start and spawns its shim without waiting for it: a pass spawns every instance it starts,
    /// then waits for them all (`ShimStarter`), so a fleet starts in about the time of one.
    func launch(_ id: InstanceID, _ facts: inout LaunchFacts) async throws -> ShimStarter? {
        // The app's user, made if an app of the shared-user layout has none yet, and its files' owners: once per app
        // in a pass.
        let credentials: ChildProcess.Credentials?
        if let known = facts.secured[id.app] {
            credentials = known
        } else {
            credentials = try await accounts.credentials(id.app)
            try accounts.secure(id.app, credentials)
            facts.secured[id.app] = credentials
        }
        let (build, env, formation) = try await launchSpec(id)
        guard let command = build.processes[id.type] else { return nil }
        let paths = layout.app(id.app)
        let lease = try await store.leasePort(
            app: id.app, type: id.type, index: id.index, release: id.release, range: portRange,
            busy: facts.ports(), actor: "dokuend")
        let leases = try await store.portLeases(app: id.app)
        var singles: [ProcessType: Int] = [:]
        for scale in formation.scales where scale.count == 1 {
            singles[scale.type] =
                leases.first { $0.type == scale.type && $0.index == 1 && $0.release == id.release }?.port
        }
        try Posix.mkdir(layout.serviceDirectory + "/" + id.app.rawValue, existingOK: true)
        let environment = InstanceEnvironment.make(
            instance: id, port: lease.port, buildDirectory: paths.build(build.stamp), dataDirectory: paths.data,
            buildpackDefaults: Dictionary(uniqueKeysWithValues: build.configVars.map { ($0.key.rawValue, $0.value) }),
            appEnvironment: env, singleInstancePorts: singles)

        var options = ShimOptions()
        options.directory = layout.serviceDirectory(id)
        options.logPath = paths.log(id.type, index: id.index)
        // `dokuen logs` merges an app's instances in time order by these stamps.
        options.logTimestamps = true
        options.workingDirectory = paths.build(build.stamp)
        options.user = credentials == nil ? "" : AppUser(id.app).name
        options.eventsSocket = layout.eventsSocket
        options.command = ProcessCommand.procfile(command)
        // app.json's `dokuen` section, then `ps set` over it key by key (docs/ISOLATION.md). The build is frozen
        // and its app.json was checked at deploy; one that no longer reads gives no settings.
        let fromBuild =
            (try? AppManifest.load(buildDirectory: paths.build(build.stamp)))?.settings[id.type] ?? ProcessSettings()
        options.apply(
            fromBuild.overlaid(by: try await store.processSettings(app: id.app, type: id.type)), port: lease.port)
        return try ShimStarter(shimPath, options, environment: environment, name: id.description)
    }

    /// The build, env and formation an instance starts with: its release's, or the candidate's while one is
    /// being cut over to.
    func launchSpec(_ id: InstanceID) async throws -> (BuildRecord, [EnvKey: String], Formation) {
        if let candidate = candidates[id.app], candidate.release == id.release {
            return (candidate.build, candidate.env, candidate.formation)
        }
        let release = try await store.release(app: id.app, id.release)
        return (try await store.build(app: id.app, id: release.buildID), release.env, release.formation)
    }

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

    /// Waits until no instance of `release` of `app` is left on disk, or `deadline` (ms) passes.
    public func waitUntilGone(app: AppName, release: ReleaseID, deadline milliseconds: Int) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .milliseconds(milliseconds))
        while try observed().contains(where: { $0.id.app == app && $0.id.release == release }) {
            let left = end - clock.now
            guard left > .zero else {
                throw DaemonError.deployFailed(
                    app: app.rawValue, reason: "instances of \(release) did not stop in time")
            }
            await nextChange(milliseconds: min(Int(left.components.seconds * 1000) + 1, 1000))
            try await reconcile()
        }
    }

    func sendControl(_ command: String, to id: InstanceID) throws {
        try Self.sendControl(command, toDirectory: layout.serviceDirectory(id))
    }

    /// Writes one command line to the `control` FIFO of the shim of `directory` (docs/SHIM.md), without blocking.
    static func sendControl(_ command: String, toDirectory directory: String) throws {
        let fd = try Posix.open(directory + "/control", O_WRONLY | O_NONBLOCK)
        defer { Posix.close(fd) }
        try Posix.writeAll(fd, Array((command + "\n").utf8))
    }

    func verb(_ action: ReconcileAction) -> String {
        switch action {
        case .start: "start"
        case .stop: "stop"
        case .reap: "clean up after its dead shim"
        case .remove: "remove"
        }
    }
}
