import DokuenAPI
import DokuenCore
import DokuenReconciliation
import DokuenStore
import DokuenSupervision

/// How `dokuen restart` restarts what its targets name (docs/DESIGN.md §2, Restarts). Pure: the shell is
/// `RollingRestart`.
///
/// With routing on, an app whose targets include a `web` instance restarts *rolling*: a new release of the build,
/// env and formation that serve (`Cutover.roll`, as `ps set` does) starts beside the running instances, takes
/// over once ready, and the old ones drain and stop. Every other target restarts *in place*: its shim gets `r`
/// (stop signal, then start). Without routing, or asked for in place, every target restarts in place.
enum RestartPlan {
    struct Plan: Equatable, Sendable {
        /// The apps restarted by a new release, in the order their first instance was named.
        var rolling: [AppName]
        /// The instances restarted in place by their shims.
        var inPlace: [InstanceID]
    }

    static let web = try! ProcessType("web")

    /// The plan for the live instances the targets chose. `rolling`: the caller wants web restarted rolling when
    /// it can be; `routes`: nginx routes (without it no upstream would notice anything).
    static func plan(_ chosen: [InstanceID], rolling: Bool, routes: Bool) -> Plan {
        var apps: [AppName] = []
        if rolling && routes {
            for id in chosen where id.type == web && !apps.contains(id.app) { apps.append(id.app) }
        }
        return Plan(rolling: apps, inPlace: chosen.filter { !apps.contains($0.app) })
    }

    /// Where an instance restarted in place stands.
    enum Progress: Equatable, Sendable {
        case waiting
        /// Running again (or, for a one-shot type, done again).
        case ready
        /// It did not come back: the reason, for `unable to restart APP:TYPE.N: REASON`.
        case failed(String)
    }

    /// Where an instance restarted in place stands, from its status when the `r` was sent and its instance now.
    /// Only a state entered after the `r` counts: the status it had before says nothing about the restart.
    static func progress(before: StatusRecord?, now: ObservedInstance?) -> Progress {
        guard let now, now.shimAlive else { return .failed("its shim is gone") }
        guard let status = now.status else { return .waiting }
        let since = before?.sinceMilliseconds ?? 0
        let oldPID = before?.pid ?? 0
        let moved = status.sinceMilliseconds > since || (oldPID > 0 && status.pid > 0 && status.pid != oldPID)
        guard moved else { return .waiting }
        switch status.state {
        case .running: return .ready
        case .exited where status.lastExit == .code(0): return .ready
        case .backoff, .fatal, .exited:
            return .failed(
                "it did not start: "
                    + (status.error.isEmpty
                        ? (status.lastExit.map { "it exited with \($0.text)" } ?? "it stopped") : status.error))
        case .stopped: return .failed("it was stopped meanwhile")
        case .starting, .stopping: return .waiting
        }
    }
}

/// The shell of `RestartPlan`: sends `r` to the instances restarted in place and awaits each one's return, and
/// cuts each app restarted rolling over to a new release of what serves (`Cutover.roll`). It awaits the
/// supervisor's announced changes, with a deadline, and never looks again on a timer.
struct RollingRestart: Sendable {
    let supervisor: InstanceSupervisor
    let cutover: Cutover

    /// The plan for `targets`: every live instance they name. A target that names none is an error
    /// (supervisorctl's "no such process"), before anything restarts.
    func plan(_ targets: [Target], rolling: Bool) async throws -> RestartPlan.Plan {
        let live = try await supervisor.observed().filter(\.shimAlive).map(\.id)
        var chosen: [InstanceID] = []
        for target in targets {
            let matching = live.filter { target.matches($0) }
            guard !matching.isEmpty else { throw DaemonError.noSuchProcess(target.description) }
            chosen += matching.filter { !chosen.contains($0) }.sorted()
        }
        return RestartPlan.plan(chosen, rolling: rolling, routes: await cutover.routing?.isOn ?? false)
    }

    /// Restarts as planned and returns once every instance is ready again: the statuses of those that serve now.
    /// Throws `restartFailed` naming the first one that did not come back; a rolling restart that fails leaves
    /// the instances before it serving, as a failed deploy does.
    func run(_ plan: RestartPlan.Plan, actor: String, progress: @escaping @Sendable (String) -> Void) async throws
        -> [InstanceStatus]
    {
        var restarted: [InstanceStatus] = []
        if !plan.inPlace.isEmpty {
            try await restartInPlace(plan.inPlace, progress: progress)
            let statuses = try await supervisor.statuses()
            restarted += statuses.filter { status in plan.inPlace.contains { Self.names($0, status) } }
        }
        for app in plan.rolling {
            progress("Restarting \(app) rolling: a new release of the same build and config starts beside it")
            let release: ReleaseID?
            do {
                release = try await cutover.roll(
                    app, summary: "Restart", actor: actor, source: "restart", progress: progress)
            } catch {
                throw DaemonError.restartFailed(
                    app.rawValue, reason: "\(APIError(answering: error).message); the instances before it keep serving")
            }
            guard let release else { continue }
            let now = try await supervisor.statuses().filter {
                $0.app == app.rawValue && $0.release == release.description
            }
            for status in now { progress("Restarting \(status.app):\(status.type).\(status.index) … ready") }
            restarted += now
        }
        return restarted
    }

    /// Starts the restart and returns at once (`--no-wait`): the shims of the instances restarted in place get
    /// `r`, and each rolling restart runs on to its end in dokuend (`dokuen events APP` says how it ended). Returns
    /// the statuses of the instances named, as they are now.
    func start(_ plan: RestartPlan.Plan, actor: String) async throws -> [InstanceStatus] {
        for id in plan.inPlace { try await supervisor.sendControl(.restart, to: id) }
        for app in plan.rolling {
            Task {
                do {
                    _ = try await cutover.roll(app, summary: "Restart", actor: actor, source: "restart")
                } catch {
                    DaemonLog.error(app, "unable to restart rolling: \(error); the instances before it keep serving")
                }
            }
        }
        return try await supervisor.statuses().filter { status in
            plan.rolling.contains { $0.rawValue == status.app } || plan.inPlace.contains { Self.names($0, status) }
        }
    }

    /// Sends `r` to each instance, then awaits each one's return (`RestartPlan.progress`) for up to the boot timeout
    /// plus the longest stop among them: its type's `stop_timeout` (after which the shim sends SIGKILL) and 30 s to
    /// notice, at least two minutes in all.
    private func restartInPlace(_ ids: [InstanceID], progress: @Sendable (String) -> Void) async throws {
        var before: [InstanceID: StatusRecord] = [:]
        // The generation before the first read: a change in between makes the first wait return at once.
        var generation = await supervisor.generation
        for instance in try await supervisor.observed() where ids.contains(instance.id) {
            before[instance.id] = instance.status
        }
        for id in ids { try await supervisor.sendControl(.restart, to: id) }
        var stopSeconds = 90
        for kind in Set(ids.map { AppAndType(app: $0.app, type: $0.type) }) {
            let settings = try await cutover.store.processSettings(app: kind.app, type: kind.type)
            stopSeconds = max(stopSeconds, settings.stopTimeout)
        }
        let end = ContinuousClock.now.advanced(by: .milliseconds(cutover.readyDeadline + (stopSeconds + 30) * 1000))
        var pending = ids
        while true {
            let observed = try await supervisor.observed()
            for id in pending {
                switch RestartPlan.progress(before: before[id], now: observed.first { $0.id == id }) {
                case .waiting: continue
                case .ready:
                    pending.removeAll { $0 == id }
                    progress("Restarting \(id.slot) … ready")
                case .failed(let reason): throw DaemonError.restartFailed(id.slot, reason: reason)
                }
            }
            if pending.isEmpty { return }
            let next = await supervisor.change(after: generation, before: end)
            guard next > generation else {
                throw DaemonError.restartFailed(
                    pending.map(\.slot).joined(separator: ", "), reason: "not running again in time")
            }
            generation = next
        }
    }

    /// Whether `status` is the instance `id`.
    private static func names(_ id: InstanceID, _ status: InstanceStatus) -> Bool {
        id.app.rawValue == status.app && id.type.rawValue == status.type && id.index == status.index
            && id.release.description == status.release
    }
}

/// An app's process type, as a set element.
private struct AppAndType: Hashable {
    var app: AppName
    var type: ProcessType
}
