import DokuenCore
import DokuenStore

/// The waiting line for the store's per-app deploy lock. dokuend is the store's only writer, so every deploy ends
/// through `finish` here: a deploy waiting behind another is resumed when the holder finishes, not by polling.
actor DeployQueue {
    private let store: Store
    private var waiters: [AppName: [CheckedContinuation<Void, Never>]] = [:]
    /// How many deploys of each app finished through this queue: a waiter that saw the lock held compares it after
    /// its store call, so that a finish between the two is never missed.
    private var finished: [AppName: Int] = [:]
    /// Each deploy's outcome and duration are counted here, where every deploy ends (docs/METRICS.md).
    private let metrics: DaemonMetrics?
    /// When each running deploy started, by id, for its duration.
    private var began: [Int64: ContinuousClock.Instant] = [:]
    /// Where each deploy's output is kept (`DeployOutput`): every deploy starts here, so every kind keeps it.
    private let layout: RootLayout

    init(store: Store, layout: RootLayout, metrics: DaemonMetrics? = nil) {
        self.store = store
        self.layout = layout
        self.metrics = metrics
    }

    /// Starts a deploy of `app`, waiting while another holds the app, and saying once which one it waits for.
    /// Returns the deploy, the deploys it waited behind, oldest first, and the file that keeps its output: the
    /// caller passes every line of the deploy through `output.keeping`.
    func start(_ app: AppName, source: String, actor: String, progress: @Sendable (String) -> Void) async throws
        -> (deploy: DeployRecord, waitedFor: [Int64], output: DeployOutput)
    {
        var holders: [Int64] = []
        while true {
            while held.contains(app) { await withCheckedContinuation { waiters[app, default: []].append($0) } }
            let seen = finished[app, default: 0]
            let holder: Int64
            do {
                let deploy = try await store.startDeploy(app: app, source: source, actor: actor)
                began[deploy.id] = ContinuousClock.now
                return (deploy, holders, DeployOutput(layout: layout, app: app, deploy: deploy.id))
            } catch {
                guard case .deployInProgress(_, let id) = error else { throw error }
                holder = id
            }
            if holders.isEmpty { progress("Waiting for deploy \(holder) of \(app) to finish first") }
            if holders.last != holder { holders.append(holder) }
            try Task.checkCancellation()
            if finished[app, default: 0] == seen {
                await withCheckedContinuation { waiters[app, default: []].append($0) }
            }
        }
    }

    /// Apps held by `exclusive`: no deploy of them starts meanwhile.
    private var held: Set<AppName> = []

    /// Runs `body` while no deploy of `app` runs and none can start, without being one (no deploy record): a change
    /// that a deploy in progress would otherwise read half-way, such as the config of an app whose first deploy is
    /// building (docs/DESIGN.md §2, "Verbs during a deploy"). It waits for a deploy in progress first, and says so
    /// once.
    func exclusive<T: Sendable>(
        _ app: AppName, progress: (String) -> Void, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        while held.contains(app) { await withCheckedContinuation { waiters[app, default: []].append($0) } }
        // Held before looking: a deploy that starts from now on waits; one that started already is waited for.
        held.insert(app)
        defer {
            held.remove(app)
            for waiter in waiters.removeValue(forKey: app) ?? [] { waiter.resume() }
        }
        var said = false
        while true {
            let seen = finished[app, default: 0]
            guard let running = try await store.deploys(app: app, limit: 1).first, running.state == .running else {
                break
            }
            if !said {
                progress("Waiting for deploy \(running.id) of \(app) to finish first")
                said = true
            }
            if finished[app, default: 0] == seen {
                await withCheckedContinuation { waiters[app, default: []].append($0) }
            }
        }
        return try await body()
    }

    /// Records how deploy `id` of `app` ended and lets the deploys waiting for the app try again, whether the
    /// store took the outcome or not.
    @discardableResult
    func finish(_ id: Int64, app: AppName, outcome: DeployRecord.Outcome, actor: String) async throws -> DeployRecord {
        defer {
            finished[app, default: 0] += 1
            for waiter in waiters.removeValue(forKey: app) ?? [] { waiter.resume() }
        }
        if let start = began.removeValue(forKey: id) {
            let succeeded = if case .succeeded = outcome { true } else { false }
            metrics?.deployEnded(app, succeeded: succeeded, duration: ContinuousClock.now - start)
        }
        return try await store.finishDeploy(id, outcome: outcome, actor: actor)
    }
}
