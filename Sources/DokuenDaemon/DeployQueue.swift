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

    init(store: Store) {
        self.store = store
    }

    /// Starts a deploy of `app`, waiting while another holds the app, and saying once which one it waits for.
    /// Returns the deploy and the deploys it waited behind, oldest first.
    func start(_ app: AppName, source: String, actor: String, progress: @Sendable (String) -> Void) async throws
        -> (deploy: DeployRecord, waitedFor: [Int64])
    {
        var holders: [Int64] = []
        while true {
            let seen = finished[app, default: 0]
            let holder: Int64
            do {
                return (try await store.startDeploy(app: app, source: source, actor: actor), holders)
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

    /// Records how deploy `id` of `app` ended and lets the deploys waiting for the app try again, whether the
    /// store took the outcome or not.
    @discardableResult
    func finish(_ id: Int64, app: AppName, outcome: DeployRecord.Outcome, actor: String) async throws -> DeployRecord {
        defer {
            finished[app, default: 0] += 1
            for waiter in waiters.removeValue(forKey: app) ?? [] { waiter.resume() }
        }
        return try await store.finishDeploy(id, outcome: outcome, actor: actor)
    }
}
