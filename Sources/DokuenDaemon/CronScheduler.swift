import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import Foundation

/// Fires apps' cron jobs (docs/CRON.md): the jobs of each app's current release's app.json `cron`, each due time
/// computed by the pure `CronSchedule.nextFire` in the app's `TZ` (or the host's zone). A job runs as a one-off
/// process would (`dokuen run`): in the release's directory and environment, as the app's user, in its own session,
/// through the build's `StepRunner`; its output, framed by a line before and after, goes to
/// `apps/APP/logs/cron.<id>.log`. A job is never started twice: a fire while it still runs is skipped, logged and
/// recorded as such. Each run is recorded in the store (`cron_runs`).
public actor CronScheduler {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor
    /// Started runs, by `app/job`.
    var running: [String: Int64] = [:]
    /// When each job was first seen by this dokuend: a job is due only for times after that (no catch-up).
    var seen: [String: Int64] = [:]
    /// The `@reboot` jobs this dokuend already ran.
    var rebooted: Set<String> = []
    /// Every app's jobs, by the release they were read from (app.json is read again only when the release changes).
    var cache: [AppName: (release: String, jobs: [CronJob], zone: String?)] = [:]
    let wakes: AsyncStream<Void>
    let wakeSink: AsyncStream<Void>.Continuation
    /// The tasks of runs started by schedule, cancelled (their process groups stopped) when dokuend stops.
    var tasks: [String: Task<Void, Never>] = [:]

    public init(layout: RootLayout, store: Store, supervisor: InstanceSupervisor) {
        self.layout = layout
        self.store = store
        self.supervisor = supervisor
        (wakes, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the service to read the jobs again and recompute the next fire (a deploy, a rollback, a suspension).
    public nonisolated func wake() { wakeSink.yield() }

    /// An app's job as `cron list` shows it.
    public struct Listing: Sendable {
        public let job: CronJob
        public let zone: String
        public let next: Int64?
        public let suspended: Bool
        public let running: Int64?
    }

    /// The jobs of `app`'s current release, with their next fire after `now`.
    public func list(_ app: AppName, now: Int64) async throws -> [Listing] {
        guard try await store.app(named: app) != nil else { throw StoreError.appNotFound(app) }
        let (jobs, zone) = try await jobs(of: app)
        let suspended = try await store.cronSuspensions(app: app)
        return jobs.map { job in
            Listing(
                job: job, zone: zone.identifier, next: job.schedule.nextFire(after: now, in: zone),
                suspended: suspended.contains("*") || suspended.contains(job.id), running: running[key(app, job)])
        }
    }

    /// The jobs and zone of `app`'s current release (none before its first release).
    func jobs(of app: AppName) async throws -> ([CronJob], CronTimeZone) {
        guard let release = try await store.latestRelease(app: app) else { return ([], .host) }
        let tz = (try? EnvDirectory(path: layout.app(app).env).dictionary())?[try EnvKey("TZ")]
        let zone = tz.flatMap { CronTimeZone(identifier: $0) } ?? .host
        if let cached = cache[app], cached.release == release.id.description {
            return (cached.jobs, zone)
        }
        let build = try await store.build(app: app, id: release.buildID)
        let manifest = try CronManifest.load(buildDirectory: layout.app(app).build(build.stamp))
        cache[app] = (release.id.description, manifest.jobs, tz)
        return (manifest.jobs, zone)
    }

    func key(_ app: AppName, _ job: CronJob) -> String { "\(app)/\(job.id)" }

    /// One pass at `now`: starts every job due since it was last looked at (once, however many times it was due),
    /// and the `@reboot` jobs when `starting`; returns the next instant a job is due, nil when none is.
    func pass(now: Int64, horizon: Int64, starting: Bool) async -> Int64? {
        var earliest: Int64?
        let apps = (try? await store.apps()) ?? []
        for record in apps {
            let app = record.name
            guard let (jobs, zone) = try? await jobs(of: app) else {
                DaemonLog.error("cron \(app)", "unable to read the jobs of its current release")
                continue
            }
            let suspended = (try? await store.cronSuspensions(app: app)) ?? []
            for job in jobs {
                let key = key(app, job)
                let since = max(horizon, seen[key] ?? now)
                if seen[key] == nil {
                    seen[key] = now
                    let next =
                        job.schedule.nextFire(after: now, in: zone).map { UTCTime.text($0) } ?? "at dokuend's start"
                    DaemonLog.info("cron \(app)", "job \(job.id) \(job.schedule) in \(zone.identifier); next \(next)")
                }
                let off = suspended.contains("*") || suspended.contains(job.id)
                if job.schedule.isReboot {
                    // Only the jobs there when dokuend starts (a host boot): a deploy never runs one.
                    if !rebooted.contains(key) {
                        rebooted.insert(key)
                        if starting && !off { fire(app, job, trigger: .reboot) }
                    }
                    continue
                }
                if !off, let due = job.schedule.nextFire(after: since, in: zone), due <= now {
                    fire(app, job, trigger: .schedule)
                }
                if let next = job.schedule.nextFire(after: now, in: zone), earliest == nil || next < earliest! {
                    earliest = next
                }
            }
        }
        return earliest
    }

    /// Starts a scheduled run in the background.
    func fire(_ app: AppName, _ job: CronJob, trigger: CronRunRecord.Trigger) {
        let key = key(app, job)
        let task = Task {
            do { _ = try await self.run(app, job, trigger: trigger, onLine: nil) } catch {
                DaemonLog.error("cron \(app)", "job \(job.id): \(error)")
            }
        }
        // A fire while the job runs only records its skip; the running one stays the one to stop.
        if running[key] == nil { tasks[key] = task }
    }

    /// Runs `job` of `app` now and returns how it ended; `onLine` sees each line of its output too (`cron run`).
    /// Refused, and recorded as a skipped fire, while the job still runs.
    public func run(
        _ app: AppName, _ job: CronJob, trigger: CronRunRecord.Trigger, onLine: (@Sendable (String) -> Void)?
    ) async throws -> ExitStatus {
        let key = key(app, job)
        let paths = layout.app(app)
        let logPath = paths.logs + "/cron.\(job.id).log"
        let now = Int64(Date().timeIntervalSince1970)
        if let since = running[key] {
            try await store.startCronRun(app: app, job: job.id, trigger: .skipped, startedAt: now)
            let line = "--- \(UTCTime.text(now)) cron \(job.id): still running since \(UTCTime.text(since)); skipped\n"
            Self.append(line, to: logPath)
            DaemonLog.info("cron \(app)", "job \(job.id) is still running since \(UTCTime.text(since)); skipped")
            throw DaemonError.runFailed(
                app: app.rawValue, reason: "cron job \(job.id) is still running since \(UTCTime.text(since))")
        }
        running[key] = now
        defer { running[key] = nil }
        let spec = try await supervisor.runSpec(for: app)
        let credentials = try await supervisor.accounts.credentials(app)
        let runID = try await store.startCronRun(app: app, job: job.id, trigger: trigger, startedAt: now)
        try? Posix.mkdir(paths.logs, mode: 0o750, existingOK: true)
        Self.append("--- \(UTCTime.text(now)) cron \(job.id) (\(trigger.rawValue)): \(job.command)\n", to: logPath)
        let argv = ProcessCommand.procfile(job.command)
        let step = BuildStep(
            label: "cron job \(job.id)", executable: argv[0], arguments: Array(argv.dropFirst()),
            environment: spec.environment, workingDirectory: spec.directory, user: credentials,
            timeout: .seconds(86_400))
        let started = ContinuousClock.now
        let fd = try? Posix.open(logPath, [.writeOnly, .append, .create], mode: 0o640)
        defer { if let fd { Posix.close(fd) } }
        let status: ExitStatus
        do {
            status = try await StepRunner.run(step) { line in
                if let fd { try? Posix.writeAll(fd, Array((line + "\n").utf8)) }
                onLine?(line)
            }
        } catch {
            let milliseconds = Self.milliseconds(since: started)
            try? await store.finishCronRun(
                id: runID, durationMilliseconds: milliseconds, exitCode: nil, signal: nil)
            if let fd { try? Posix.writeAll(fd, Array("--- unable to run: \(error)\n".utf8)) }
            throw error
        }
        let milliseconds = Self.milliseconds(since: started)
        var exitCode: Int64?
        var signal: Int64?
        switch status {
        case .exited(let code): exitCode = Int64(code)
        case .signaled(let number): signal = Int64(number)
        }
        try await store.finishCronRun(id: runID, durationMilliseconds: milliseconds, exitCode: exitCode, signal: signal)
        let end = exitCode.map { "exit \($0)" } ?? "signal \(signal ?? 0)"
        if let fd { try? Posix.writeAll(fd, Array("--- \(end) after \(milliseconds) ms\n".utf8)) }
        return status
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    static func append(_ text: String, to path: String) {
        guard let fd = try? Posix.open(path, [.writeOnly, .append, .create], mode: 0o640) else { return }
        try? Posix.writeAll(fd, Array(text.utf8))
        Posix.close(fd)
    }

    /// Stops every scheduled run (their process groups) when dokuend stops.
    func stopAll() {
        for task in tasks.values { task.cancel() }
    }

    /// The loop of `CronService`: a pass, then wait for the earliest due time or a wake, whichever comes first. The
    /// wall clock is read again at least every hour, so that a step of it (NTP, a suspended laptop) is noticed.
    func loop() async {
        var horizon = Int64(Date().timeIntervalSince1970)
        var timer: Task<Void, Never>?
        var iterator = wakes.makeAsyncIterator()
        var first = true
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970)
            let next = await pass(now: now, horizon: horizon, starting: first)
            first = false
            horizon = now
            let delay = min(max((next ?? now + 3600) - Int64(Date().timeIntervalSince1970), 0), 3600)
            timer?.cancel()
            let sink = wakeSink
            // Due at the start of a second: wake just after it, so that the pass sees `now >= due`.
            timer = Task {
                try? await Task.sleep(for: .milliseconds(delay * 1000 + 20))
                if !Task.isCancelled { sink.yield() }
            }
            guard await iterator.next() != nil else { break }
        }
        timer?.cancel()
        stopAll()
    }

    func finish() { wakeSink.finish() }
}
