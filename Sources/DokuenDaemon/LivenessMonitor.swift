import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenSupervision
import ServiceLifecycle

/// Runs the liveness checks of app.json (`LivenessCheck`, docs/DESIGN.md §2, Liveness) against every RUNNING
/// instance of a type that has one, and restarts through its shim (`r`) an instance that fails `threshold` probes in
/// a row, with an event (`instance.liveness`) and a line in the instance's log. A probe is due `initialDelay`
/// seconds after the instance (its pid) is first seen RUNNING, then every `period`; a slow probe never delays
/// another. It reads the instances' status files (no probe, no /proc scan) at each change the supervisor announces
/// (a shim's event) and when a probe is due or done, never on a timer: that is how it learns of new instances, and
/// what sees a crash loop inside an auto-rollback window. With nothing to probe, it sleeps until a change.
public actor LivenessMonitor: Service {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor

    /// One watched instance: one process, so a restart (a new pid) starts afresh.
    struct Watch {
        let id: InstanceID
        let pid: Int32
        let port: Int?
        let check: LivenessCheck
        let buildDirectory: String
        var due: ContinuousClock.Instant
        var failures = 0
        var probing = false
        var lastFailure = ""
    }

    private var watches: [String: Watch] = [:]
    /// The liveness checks of each release's build, by `app@vN`.
    private var checksOfRelease: [String: (directory: String, checks: [LivenessCheck])] = [:]

    public init(layout: RootLayout, store: Store, supervisor: InstanceSupervisor) {
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
    }

    public nonisolated func run() async throws {
        // A graceful shutdown cancels both waits at once: neither waits for its deadline.
        try? await cancelWhenGracefulShutdown {
            await self.supervisor.recallCutovers(maxWindow: APIServer.maxAutoRollback)
            await withTaskGroup(of: Void.self) { group in
                let supervisor = self.supervisor
                // Every change the supervisor announces (a shim's event: an instance RUNNING, BACKOFF, restarted)
                // wakes the monitor.
                group.addTask {
                    var seen = await supervisor.generation
                    while !Task.isCancelled {
                        seen = await supervisor.change(
                            after: seen, before: ContinuousClock.now.advanced(by: .seconds(86_400)))
                        await self.nudge()
                    }
                }
                while !Task.isCancelled {
                    await self.tick()
                    await self.sleep(until: self.nextDue())
                }
                group.cancelAll()
            }
        }
    }

    // MARK: Waiting

    /// The waiting `sleep`, resumed by a nudge, its deadline or its task's cancellation.
    private var sleeper: CheckedContinuation<Void, Never>?
    /// Something happened since the last `sleep` ended: the next one returns at once.
    private var nudged = false

    /// Wakes the monitor for a pass (a change announced, a probe finished).
    func nudge() {
        nudged = true
        sleeper?.resume()
        sleeper = nil
    }

    /// The next probe due, nil when none is (no instance has a liveness check): the monitor then sleeps until a
    /// change is announced.
    func nextDue() -> ContinuousClock.Instant? {
        watches.values.filter { !$0.probing }.map(\.due).min()
    }

    /// Sleeps until a nudge, `deadline` (nil: none), or the task's cancellation.
    func sleep(until deadline: ContinuousClock.Instant?) async {
        if nudged || Task.isCancelled {
            nudged = false
            return
        }
        let timer = deadline.map { deadline in
            Task { [weak self] in
                guard (try? await Task.sleep(until: deadline)) != nil else { return }
                await self?.nudge()
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    sleeper = continuation
                    for watch in sleepWatches { watch.resume() }
                    sleepWatches.removeAll()
                }
            }
        } onCancel: {
            Task { await self.nudge() }
        }
        timer?.cancel()
        nudged = false
    }

    /// Callers of `untilSleeping()`.
    private var sleepWatches: [CheckedContinuation<Void, Never>] = []

    /// Returns once a `sleep` really waits (its continuation registered), so a test nudges or cancels a sleeper that
    /// sleeps, whatever the scheduler did, instead of sleeping and hoping.
    func untilSleeping() async {
        guard sleeper == nil else { return }
        await withCheckedContinuation { sleepWatches.append($0) }
    }

    /// Learns which instances run, and starts the probes that are due.
    /// One instance as its status file says: enough for both watches, with no /proc scan or store query.
    struct Seen {
        let id: InstanceID
        let state: String
        let pid: Int32?
    }

    func tick() async {
        guard let observed = try? await supervisor.observed() else { return }
        let instances = observed.filter(\.shimAlive).compactMap { instance -> Seen? in
            guard let status = instance.status else { return nil }
            return Seen(id: instance.id, state: status.state.name, pid: status.pid > 0 ? status.pid : nil)
        }
        let now = ContinuousClock.now
        var seen: Set<String> = []
        var releases: Set<String> = []
        for instance in instances where instance.state == "RUNNING" {
            guard let pid = instance.pid else { continue }
            let id = instance.id
            let key = "\(id.directoryName)#\(pid)"
            releases.insert("\(id.app)@\(id.release)")
            if watches[key] == nil {
                guard let (directory, checks) = await checks(app: id.app, release: id.release),
                    let check = checks.first(where: { $0.type == id.type })
                else { continue }
                let port = try? await store.portLeases(app: id.app).first {
                    $0.type == id.type && $0.index == id.index && $0.release == id.release
                }?.port
                watches[key] = Watch(
                    id: id, pid: pid, port: port, check: check, buildDirectory: directory,
                    due: now + .seconds(check.initialDelay + check.period))
            }
            seen.insert(key)
        }
        for key in watches.keys where !seen.contains(key) { watches[key] = nil }
        for name in checksOfRelease.keys where !releases.contains(name) { checksOfRelease[name] = nil }
        await watchCutovers(instances)
        for (key, watch) in watches where !watch.probing && watch.due <= now {
            watches[key]?.probing = true
            Task { await self.probe(key, watch) }
        }
    }

    // MARK: Auto-rollback

    /// `app`'s last cutover while its auto-rollback window is open, with the window's length.
    private func window(of app: AppName) async -> (InstanceSupervisor.CutoverNote, Int)? {
        guard let note = await supervisor.notes()[app], !note.handled, !note.isRollback,
            ContinuousClock.now - note.at <= .seconds(APIServer.maxAutoRollback),
            let seconds = try? await store.autoRollback(app: app), ContinuousClock.now - note.at <= .seconds(seconds)
        else { return nil }
        return (note, seconds)
    }

    /// Rolls back a release in its window whose instances crash-loop (BACKOFF) or gave up (FATAL).
    private func watchCutovers(_ instances: [Seen]) async {
        for app in await supervisor.notes().keys {
            guard let (note, seconds) = await window(of: app),
                let bad = instances.first(where: {
                    $0.id.app == app && $0.id.release == note.release && ($0.state == "BACKOFF" || $0.state == "FATAL")
                })
            else { continue }
            await autoRollback(
                app, note, seconds: seconds,
                why: "\(bad.id.dyno) is \(bad.state) \(Self.age(of: note)) after its cutover")
        }
    }

    static func age(of note: InstanceSupervisor.CutoverNote) -> String {
        "\((ContinuousClock.now - note.at).components.seconds) s"
    }

    /// Rolls `app` back from `note`'s release to the release before it (code and config, `Cutover.rollback`,
    /// queued behind a deploy), once, with events that say why and how it went.
    private func autoRollback(_ app: AppName, _ note: InstanceSupervisor.CutoverNote, seconds: Int, why: String) async {
        guard await supervisor.claimRollback(app: app, release: note.release),
            let rollback = await supervisor.rollback()
        else { return }
        let releases = (try? await store.releases(app: app)) ?? []
        guard releases.first?.id == note.release, releases.count > 1 else {
            _ = try? await store.appendEvent(
                actor: "dokuend", app: app, action: "release.auto_rollback",
                detail: "\(note.release): \(why); no release before it to roll back to")
            return
        }
        let target = releases[1].id
        let detail = "\(note.release): \(why) (auto_rollback=\(seconds)); rolling back to \(target)"
        DaemonLog.info(app, detail)
        _ = try? await store.appendEvent(actor: "dokuend", app: app, action: "release.auto_rollback", detail: detail)
        let store = store
        Task {
            do {
                let made = try await rollback(app, note.release, target)
                _ = try? await store.appendEvent(
                    actor: "dokuend", app: app, action: "release.auto_rollback",
                    detail: "\(note.release) rolled back to \(target) as \(made)")
            } catch {
                DaemonLog.error(app, "the auto-rollback of \(note.release) to \(target) failed: \(error)")
                _ = try? await store.appendEvent(
                    actor: "dokuend", app: app, action: "release.auto_rollback",
                    detail: "\(note.release): the rollback to \(target) failed: \(error)")
            }
        }
    }

    private func checks(app: AppName, release: ReleaseID) async -> (String, [LivenessCheck])? {
        let name = "\(app)@\(release)"
        if let known = checksOfRelease[name] { return known }
        guard let record = try? await store.release(app: app, release),
            let build = try? await store.build(app: app, id: record.buildID)
        else { return nil }
        let directory = layout.app(app).build(build.stamp)
        let checks = (try? AppManifest.load(buildDirectory: directory))?.liveness ?? []
        checksOfRelease[name] = (directory, checks)
        return (directory, checks)
    }

    /// One probe of `watch`; then the next is due a period after this one began.
    private func probe(_ key: String, _ watch: Watch) async {
        let began = ContinuousClock.now
        let failure = await Self.failure(of: watch, accounts: supervisor.accounts)
        guard var current = watches[key] else { return }
        current.probing = false
        current.due = began + .seconds(watch.check.period)
        if let failure {
            current.failures += 1
            current.lastFailure = failure
        } else {
            current.failures = 0
        }
        watches[key] = current
        // Its next probe is a new deadline.
        nudge()
        guard current.failures >= watch.check.threshold else { return }
        // Restarted: this process is done with; its successor (a new pid) is watched afresh.
        current.failures = 0
        current.due = .now + .seconds(3600)
        watches[key] = current
        await restart(watch, why: failure ?? "")
    }

    private func restart(_ watch: Watch, why: String) async {
        let check = watch.check
        let detail =
            "\(watch.id.dyno)@\(watch.id.release): liveness \(check.target) failed \(check.threshold) "
            + "time\(check.threshold == 1 ? "" : "s") in a row (last: \(why)); restarted"
        let line =
            UTCTime.logStamp(Posix.realtimeMicroseconds() / 1000)
            + "dokuend: liveness \(check.target) failed \(check.threshold) time\(check.threshold == 1 ? "" : "s") "
            + "in a row (last: \(why)); restarting\n"
        let log = layout.app(watch.id.app).log(watch.id.type, index: watch.id.index)
        do {
            let fd = try Posix.open(log, [.writeOnly, .append])
            defer { Posix.close(fd) }
            try Posix.writeAll(fd, Array(line.utf8), path: log)
        } catch {
            DaemonLog.error(watch.id.app, "unable to write to \(log): \(error)")
        }
        do {
            try await supervisor.sendControl(.restart, to: watch.id)
            DaemonLog.info(watch.id.app, detail)
        } catch {
            DaemonLog.error(watch.id.app, "unable to restart \(watch.id.dyno)@\(watch.id.release): \(error)")
        }
        _ = try? await store.appendEvent(
            actor: "dokuend", app: watch.id.app, action: "instance.liveness", detail: detail)
        if let (note, seconds) = await window(of: watch.id.app), note.release == watch.id.release {
            await autoRollback(
                watch.id.app, note, seconds: seconds,
                why: "\(watch.id.dyno) failed its liveness check \(Self.age(of: note)) after its cutover")
        }
    }

    /// Why the probe failed; nil when it passed.
    static func failure(of watch: Watch, accounts: AppAccounts) async -> String? {
        let check = watch.check
        switch check.probe {
        case .http(let http):
            guard let port = watch.port else { return "the instance has no port" }
            let request = http.request(host: "127.0.0.1")
            let answer = await HealthChecker.offPool { () -> Result<[UInt8], PosixError> in
                do throws(PosixError) {
                    return .success(
                        try LoopbackProbe.exchange(port: port, request: request, milliseconds: check.timeout * 1000))
                } catch { return .failure(error) }
            }
            switch answer {
            case .success(let response):
                return http.verdict(response: response).map { "GET \(http.path) \($0)" }
            case .failure(let error):
                return error.code == .timedOut
                    ? "no answer within \(check.timeout) s" : "GET \(http.path): \(error)"
            }
        case .command(let argv):
            // The instance's own environment, read from /proc, so the command sees what the process sees.
            guard let bytes = try? Posix.readFile("/proc/\(watch.pid)/environ") else {
                return "its environment is gone"
            }
            var environment: [String: String] = [:]
            for entry in bytes.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                guard let equals = text.firstIndex(of: "=") else { continue }
                environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            do {
                let credentials = try await accounts.credentials(watch.id.app)
                let status = try await StepRunner.run(
                    BuildStep(
                        label: "the liveness command", executable: "/usr/bin/env", arguments: ["--"] + argv,
                        environment: environment, workingDirectory: watch.buildDirectory, user: credentials,
                        timeout: .seconds(check.timeout))
                ) { _ in }
                return status == .exited(0) ? nil : "\(status)"
            } catch {
                return "\(error)"
            }
        }
    }
}
