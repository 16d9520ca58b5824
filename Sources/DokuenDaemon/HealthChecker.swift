import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenThreads

/// The checks a new release's `web` instances pass before nginx routes to them (a failed check
/// never changes what serves):
/// 1. every web instance's port accepts a TCP connection within 60 s of the cutover's start (Heroku's R10);
/// 2. then each HTTP check (`HealthCheck`): `dokuen checks set`'s when the app has one, else `app.json`'s.
///
/// `dokuen checks run APP` runs the same against what serves now. Probes block, so they run on a thread of
/// their own (`BlockingThread`), never on the cooperative pool.
struct HealthChecker: Sendable {
    let store: Store
    let supervisor: InstanceSupervisor
    /// R10: how long a new web instance has to accept a connection on its port.
    var portDeadline = 60_000

    /// The HTTP checks that apply to `app` with the build in `buildDirectory`, and where they come from.
    func checks(app: AppName, buildDirectory: String) async throws -> (checks: [HealthCheck], source: String) {
        if let check = try await store.healthCheck(app: app) { return ([check], "dokuen checks set") }
        let manifest = try AppManifest.load(buildDirectory: buildDirectory)
        return (manifest.checks, "app.json")
    }

    /// One instance's outcome, for progress lines and `checks run`.
    struct Outcome: Sendable {
        let dyno: String
        let port: Int
        /// nil when it passed.
        let failure: String?
        let detail: String
    }

    /// Runs both kinds of check against `app`'s web instances of `release`: every wanted web slot must have a
    /// RUNNING instance (the caller waited for that; one may have crashed since). Throws at the first failure,
    /// naming the instance and why. `initialDelay` is waited once, after every port accepts.
    @discardableResult
    func run(
        app: AppName, release: ReleaseID, checks: [HealthCheck], host: String,
        since start: ContinuousClock.Instant = .now, progress: Progress
    ) async throws -> [Outcome] {
        let (instances, missing) = try await webInstances(app: app, release: release)
        if let (dyno, state) = missing.first {
            throw DaemonError.notUp(release: release.description, reason: "\(dyno) is \(state), not RUNNING")
        }
        var outcomes: [Outcome] = []
        for (dyno, port) in instances {
            try await waitForPort(app: app, release: release, dyno: dyno, port: port, since: start)
            outcomes.append(Outcome(dyno: dyno, port: port, failure: nil, detail: "port \(port) accepts"))
        }
        guard !instances.isEmpty, !checks.isEmpty else { return outcomes }
        let delay = checks.map(\.initialDelay).max() ?? 0
        if delay > 0 {
            progress("Waiting \(delay) s (initial_delay) before the first HTTP check")
            try await Task.sleep(for: .seconds(delay))
        }
        for check in checks {
            for (dyno, port) in instances {
                let outcome = try await http(check, dyno: dyno, port: port, host: host, progress: progress)
                if let failure = outcome.failure {
                    throw DaemonError.notUp(
                        release: release.description, reason: "\(dyno) failed its health check: \(failure)")
                }
                progress("\(dyno): \(outcome.detail)")
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    /// The RUNNING web instances of `release` with their ports, by index, and the wanted web slots that have none
    /// (with what they show instead: a state, or GONE).
    func webInstances(
        app: AppName, release: ReleaseID
    ) async throws -> (running: [(String, Int)], missing: [(String, String)]) {
        let statuses = try await supervisor.statuses().filter {
            $0.app == app.rawValue && $0.type == "web" && $0.release == release.description
        }
        var wanted: [Int] = []
        if let desired = try await supervisor.desired(only: app).first,
            let web = desired.processes[try ProcessType("web")], !web.stopped, web.count > 0
        {
            wanted = (1...min(web.count, InstanceID.maxIndex)).filter { web.wants($0) }
        }
        var running: [(String, Int)] = []
        var missing: [(String, String)] = []
        for index in Set(wanted).union(statuses.map(\.index)).sorted() {
            let status = statuses.first { $0.index == index && $0.state == "RUNNING" && $0.port != nil }
            if let status, let port = status.port {
                running.append(("web.\(index)", port))
            } else if wanted.contains(index) {
                missing.append(("web.\(index)", statuses.first { $0.index == index }?.state ?? "GONE"))
            }
        }
        return (running, missing)
    }

    /// Until `port` accepts, or the R10 deadline from `start` passes, or the instance stops running.
    private func waitForPort(
        app: AppName, release: ReleaseID, dyno: String, port: Int, since start: ContinuousClock.Instant
    ) async throws {
        let end = start.advanced(by: .milliseconds(portDeadline))
        while true {
            if await Self.offPool({ LoopbackProbe.accepts(port: port, milliseconds: 500) }) { return }
            let state = try await supervisor.statuses().first {
                $0.app == app.rawValue && "\($0.type).\($0.index)" == dyno && $0.release == release.description
            }?.state
            guard state == "RUNNING" else {
                throw DaemonError.notUp(
                    release: release.description,
                    reason: "\(dyno) stopped (\(state ?? "gone")) before its port \(port) accepted a connection")
            }
            guard ContinuousClock.now < end else {
                throw DaemonError.notUp(
                    release: release.description,
                    reason: "\(dyno) did not accept a connection on its port \(port) (its $PORT) within "
                        + "\(portDeadline / 1000) s; a web process must listen on $PORT")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// One HTTP check against one instance, with its attempts (`initialDelay` is the caller's).
    func http(
        _ check: HealthCheck, dyno: String, port: Int, host: String, progress: Progress
    ) async throws -> Outcome {
        let request = check.request(host: host)
        var failure = ""
        for attempt in 1...check.attempts {
            let answer = await Self.offPool { () -> Result<[UInt8], PosixError> in
                do throws(PosixError) {
                    return .success(
                        try LoopbackProbe.exchange(port: port, request: request, milliseconds: check.timeout * 1000))
                } catch { return .failure(error) }
            }
            switch answer {
            case .success(let response):
                guard let verdict = check.verdict(response: response) else {
                    return Outcome(
                        dyno: dyno, port: port, failure: nil,
                        detail: "GET \(check.path) answered \(check.status)"
                            + (check.content.map { " with \"\($0)\"" } ?? "")
                            + (attempt > 1 ? " (attempt \(attempt))" : ""))
                }
                failure = "GET \(check.path) \(verdict)"
            case .failure(let error):
                failure =
                    error.code == .timedOut
                    ? "GET \(check.path) got no answer within \(check.timeout) s"
                    : "GET \(check.path): \(error)"
            }
            guard attempt < check.attempts else { break }
            progress("\(dyno): attempt \(attempt) of \(check.attempts): \(failure); again in \(check.wait) s")
            if check.wait > 0 { try await Task.sleep(for: .seconds(check.wait)) }
        }
        let tries = check.attempts == 1 ? "1 attempt" : "\(check.attempts) attempts"
        return Outcome(dyno: dyno, port: port, failure: "\(failure) (\(tries))", detail: failure)
    }

    /// Runs blocking work (a probe) on a thread of its own, off the cooperative pool.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await BlockingThread.run("dokuend probe", work)
    }
}
