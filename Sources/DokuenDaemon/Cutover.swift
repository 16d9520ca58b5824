import DokuenCore
import DokuenPosix
import DokuenStore

/// The one way a new release comes to serve, shared by deploys, config changes, settings and rollbacks (DESIGN.md
/// §2, steps 5–7): the candidate's instances start beside the serving ones; once every wanted one is RUNNING,
/// nginx routes to them (when routing is on) and the old ones drain for `drainMilliseconds`; then the release is
/// recorded, `current`/`previous` swap, and the reconciler stops the old instances. On any failure before the
/// switch the candidate is withdrawn, its instances stop, and what was serving never noticed (invariant 1). The
/// caller holds the app's deploy lock.
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

    public init(
        layout: RootLayout, store: Store, supervisor: InstanceSupervisor, keepReleases: Int = 5,
        routing: Routing? = nil, drainMilliseconds: Int = 0, bootTimeoutSeconds: Int = 60
    ) {
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
        self.keepReleases = keepReleases
        self.routing = routing
        self.drainMilliseconds = drainMilliseconds
        readyDeadline = bootTimeoutSeconds * 1000
        checker = HealthChecker(store: store, supervisor: supervisor, portDeadline: bootTimeoutSeconds * 1000)
    }

    /// Cuts `app` over to a new release of `build`; returns the release.
    func run(
        _ app: AppName, build: BuildRecord, env: [EnvKey: String], formation: Formation, summary: String,
        actor: String, progress: Progress
    ) async throws -> ReleaseID {
        let latest = try await store.latestRelease(app: app)
        let number = (latest?.id.number ?? 0) + 1
        let release = try ReleaseID(number: number)
        let checks = await checks(app, build: build, progress: progress)
        let zeroDowntime = try await store.zeroDowntime(app: app)
        let candidate = Candidate(
            release: release, build: build, env: env, formation: formation, keepsServing: zeroDowntime)
        let started = formation.scales.filter { $0.count > 0 }.map { "\($0.type)×\($0.count)" }
        do {
            if !zeroDowntime, let serving = latest?.id {
                progress("Zero-downtime is off for \(app) (dokuen checks enable): stopping \(serving) first")
                let none = Formation(scales: formation.scales.map { Formation.Scale(type: $0.type, count: 0) })
                try await supervisor.propose(
                    Candidate(release: release, build: build, env: env, formation: none, keepsServing: false))
                // Out of nginx first (it answers 503 meanwhile), drained, then stopped.
                if let routing, await routing.isOn {
                    try await routing.pin(app, to: release)
                    if drainMilliseconds > 0 { try await Task.sleep(for: .milliseconds(drainMilliseconds)) }
                }
                try await supervisor.reconcile()
                try await supervisor.waitUntilGone(app: app, release: serving, deadline: 120_000)
            }
            try await supervisor.propose(candidate)
        } catch {
            try? await routing?.pin(app, to: nil)
            await withdraw(candidate, app: app, progress: progress)
            throw error
        }
        // The boot timeout (R10) counts from here: a stop-first cutover's stopping is not the new release's boot.
        let start = ContinuousClock.now
        progress("Starting \(candidate.release): \(started.isEmpty ? "no processes" : started.joined(separator: " "))")
        let recorded: ReleaseID
        do {
            try await supervisor.reconcile()
            try await supervisor.waitUntilReady(app: app, release: candidate.release, deadline: readyDeadline)
            let web = formation.scales.first { $0.type.rawValue == "web" }?.count ?? 0
            if web > 0 {
                let http = checks.checks.map { "GET \($0.path) → \($0.status)" }
                progress(
                    "Checking web: its port accepts"
                        + (http.isEmpty ? "" : ", then " + http.joined(separator: ", ") + " (\(checks.source))"))
                try await checker.run(
                    app: app, release: candidate.release, checks: checks.checks, host: await host(of: app),
                    since: start, progress: progress)
            }
            if let routing, await routing.isOn {
                try await routing.pin(app, to: candidate.release)
                progress("Routing \(app) to \(candidate.release)")
                // Requests already sent to the old instances finish; and nginx, whose reload returns before its
                // new workers take over, is routing to the new ones by the time the cutover returns.
                if drainMilliseconds > 0 { try await Task.sleep(for: .milliseconds(drainMilliseconds)) }
            }
            // Serialized by the deploy lock, so nothing else made a release meanwhile: this records vN.
            recorded = try await store.createRelease(
                app: app, buildID: build.id, env: env, formation: formation, summary: summary, actor: actor)
        } catch {
            try? await routing?.pin(app, to: nil)
            await withdraw(candidate, app: app, progress: progress)
            throw error
        }
        // vN is recorded and serving: what follows is logged when it fails, never the deploy's failure (a
        // restart's `recover()` repairs the links).
        do { try await store.setFormation(app: app, formation, actor: actor) } catch {
            log("dokuend: \(app): unable to record the formation of \(recorded): \(error)")
        }
        await supervisor.withdraw(app: app)
        try? await routing?.pin(app, to: nil)  // the latest release is the candidate now: the same routes
        do { try switchLinks(app, to: build) } catch {
            log("dokuend: \(app): unable to switch current to \(recorded): \(error)")
        }
        do { try await supervisor.reconcile() } catch { log("dokuend: \(app): \(error)") }
        if let serving = latest?.id {
            do {
                try await supervisor.waitUntilGone(app: app, release: serving, deadline: 60_000)
            } catch {
                log("dokuend: \(app): instances of \(serving) are still stopping: \(error)")
            }
        }
        await prune(app, progress: progress)
        return recorded
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

    /// Forgets releases beyond the newest `keepReleases` and removes the builds none of the kept ones use. A
    /// failure here is logged, never the release's: it is up already.
    private func prune(_ app: AppName, progress: Progress) async {
        do {
            let deleted = try await store.prune(app: app, keep: keepReleases, actor: "dokuend")
            for build in deleted { try Posix.removeTree(layout.app(app).build(build.stamp)) }
            if !deleted.isEmpty {
                progress(
                    "Pruned \(deleted.count) old build\(deleted.count == 1 ? "" : "s"); keeping \(keepReleases) releases"
                )
            }
        } catch {
            log("dokuend: \(app): unable to prune old releases: \(error)")
        }
    }

    /// A new release of what serves now (the same build, env and formation), cut over like a deploy and under the
    /// same lock, so that every instance picks up what lives outside releases (process settings). Nil when the
    /// app has no release yet: nothing runs to pick anything up.
    public func roll(_ app: AppName, summary: String, actor: String) async throws -> ReleaseID? {
        guard let current = try await store.latestRelease(app: app) else { return nil }
        let deploy = try await store.startDeploy(app: app, source: "settings", actor: actor)
        do {
            let formation = Formation(
                scales: try await store.formation(app: app).map { Formation.Scale(type: $0.type, count: $0.count) })
            let release = try await run(
                app, build: try await store.build(app: app, id: current.buildID), env: current.env,
                formation: formation, summary: summary, actor: actor, progress: { _ in })
            try await store.finishDeploy(deploy.id, outcome: .succeeded(release: release), actor: actor)
            return release
        } catch {
            try? await store.finishDeploy(deploy.id, outcome: .failed(error: "\(error)"), actor: actor)
            throw error
        }
    }

    /// Stops the candidate's instances and waits (bounded) until they are gone, so its number is free again.
    private func withdraw(_ candidate: Candidate, app: AppName, progress: Progress) async {
        progress(
            candidate.keepsServing
                ? "Stopping the instances of \(candidate.release); what was serving keeps serving"
                : "Stopping the instances of \(candidate.release); starting the release before it again")
        if !candidate.keepsServing {
            await supervisor.emptyCandidate(app: app)
            do {
                try await supervisor.reconcile()
                try await supervisor.waitUntilGone(app: app, release: candidate.release, deadline: 60_000)
            } catch {
                log("dokuend: \(app): the instances of the failed \(candidate.release) are still stopping: \(error)")
            }
        }
        await supervisor.withdraw(app: app)
        do {
            try await supervisor.reconcile()
            try await supervisor.waitUntilGone(app: app, release: candidate.release, deadline: 60_000)
        } catch {
            log("dokuend: \(app): the instances of the failed \(candidate.release) are still stopping: \(error)")
        }
    }

    /// After a restart (DESIGN.md invariant 2): a deploy or config change that was running when dokuend stopped
    /// made no release, or made one whose links were not switched yet. The first is recorded as failed (its
    /// candidate is gone with the old process, so the reconciler returns to the latest release); the second gets
    /// its links.
    public func recover() async throws {
        for deploy in try await store.runningDeploys() {
            try await store.finishDeploy(
                deploy.id, outcome: .failed(error: "dokuend stopped during it; the release before it kept serving"),
                actor: "dokuend")
            log("dokuend: \(deploy.app): deploy \(deploy.id) was cut short by a restart and is marked failed")
        }
        for app in try await store.apps() {
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
