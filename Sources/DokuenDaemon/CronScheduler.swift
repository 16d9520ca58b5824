import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision
import Foundation

/// Fires apps' cron jobs (docs/CRON.md): the jobs of each app's current release's app.json `cron`, each due time
/// computed by the pure `CronSchedule.nextFire` in the app's `TZ` (or the host's zone). A job runs as a one-off
/// process would (`dokuen run`): in the release's directory and environment, as the app's user, but under a
/// dokuen-shim of its own (`CronRunDirectory`, never restarted) that writes its output to
/// `apps/APP/logs/cron.<id>.log`, framed by a line before and after. Its end comes as the shim's event datagram
/// (`shimChanged`). A job is never started twice: a fire while its shim lives (also one started by an earlier
/// dokuend, which `adopt` re-attaches to) is skipped, logged and recorded as such. Each run is recorded in the store
/// (`cron_runs`).
public actor CronScheduler {
    let layout: RootLayout
    let store: Store
    let supervisor: InstanceSupervisor
    /// A run under way: its store row, when it began, its shim's directory, and who awaits its end.
    struct Run {
        let runID: Int64
        let startedAt: Int64
        let startedMilliseconds: Int64
        let directory: CronRunDirectory
        var waiters: [CheckedContinuation<Ending, Never>] = []
    }

    /// The runs under way, by `app/job`.
    var live: [String: Run] = [:]
    /// The last end of each job's run, for an `awaitEnd` that comes after it.
    var ends: [String: (Int64, Ending)] = [:]
    /// The 24-hour limit of each run.
    var limits: [String: Task<Void, Never>] = [:]
    /// A run longer than this is stopped.
    static let limitMilliseconds: Int64 = 86_400_000
    let shimPath: String
    /// When each job was first seen by this dokuend: a job is due only for times after that (no catch-up).
    var seen: [String: Int64] = [:]
    /// The `@reboot` jobs this dokuend already ran.
    var rebooted: Set<String> = []
    /// Every app's jobs, by the release they were read from (app.json is read again only when the release changes).
    var cache: [AppName: (release: String, jobs: [CronJob])] = [:]
    let wakes: AsyncStream<Void>
    let wakeSink: AsyncStream<Void>.Continuation
    public init(layout: RootLayout, store: Store, supervisor: InstanceSupervisor, shimPath: String) {
        self.shimPath = shimPath
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
                suspended: suspended.contains("*") || suspended.contains(job.id),
                running: live[key(app, job)]?.startedAt)
        }
    }

    /// The jobs and zone of `app`'s current release (none before its first release). The zone is looked up only for
    /// an app that has jobs: a named `TimeZone` loads ICU's time zone data into dokuend, megabytes that an app
    /// without cron jobs should not cost (issue 22, docs/BENCHMARKS.md); with no jobs it is UTC, and unused.
    func jobs(of app: AppName) async throws -> ([CronJob], CronTimeZone) {
        guard let release = try await store.latestRelease(app: app) else { return ([], .utc) }
        let jobs: [CronJob]
        if let cached = cache[app], cached.release == release.id.description {
            jobs = cached.jobs
        } else {
            let build = try await store.build(app: app, id: release.buildID)
            jobs = try CronManifest.load(buildDirectory: layout.app(app).build(build.stamp)).jobs
            cache[app] = (release.id.description, jobs)
        }
        guard !jobs.isEmpty else { return ([], .utc) }
        let tz = (try? EnvDirectory(path: layout.app(app).env).dictionary())?[try EnvKey("TZ")]
        return (jobs, tz.flatMap { CronTimeZone(identifier: $0) } ?? .host)
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
        Task {
            do { _ = try await self.start(app, job, trigger: trigger) } catch {
                DaemonLog.error("cron \(app)", "job \(job.id): \(error)")
            }
        }
    }

    /// A run that `start` began: where its output begins in its log, to stream it (`cron run`).
    public struct Started: Sendable {
        let key: String
        let runID: Int64
        let log: String
        let inode: UInt64
        let offset: Int64
    }

    /// Starts `job` of `app` now under a dokuen-shim of its own (docs/CRON.md, How a job runs) and returns once the
    /// shim is up; `awaitEnd` says how it ended. Refused, and recorded as a skipped fire, while the job still runs
    /// (its shim holds its directory's lock, also one a dokuend before this one started).
    public func start(_ app: AppName, _ job: CronJob, trigger: CronRunRecord.Trigger) async throws -> Started {
        let directory = CronRunDirectory(layout: layout, app: app, job: job.id)
        let key = directory.key
        let paths = layout.app(app)
        let logPath = paths.logs + "/cron.\(job.id).log"
        let now = Int64(Date().timeIntervalSince1970)
        // An end whose event datagram was lost (docs/CRON.md): the shim's status says it, and is read first.
        if live[key] != nil { await check(key) }
        if live[key] != nil || directory.isAlive {
            let since = live[key]?.startedAt ?? (directory.readMarker()?.startedMilliseconds ?? now * 1000) / 1000
            try await store.startCronRun(app: app, job: job.id, trigger: .skipped, startedAt: now)
            let line = "--- \(UTCTime.text(now)) cron \(job.id): still running since \(UTCTime.text(since)); skipped\n"
            Self.append(line, to: logPath)
            DaemonLog.info("cron \(app)", "job \(job.id) is still running since \(UTCTime.text(since)); skipped")
            throw DaemonError.runFailed(
                app: app.rawValue, reason: "cron job \(job.id) is still running since \(UTCTime.text(since))")
        }
        let spec = try await supervisor.oneOff(for: app)
        // Checked again: the awaits above let another start of the job in.
        guard live[key] == nil else { return try await start(app, job, trigger: trigger) }
        let startedMilliseconds = Posix.realtimeMicroseconds() / 1000
        // Reserved (run id 0) across the store's await, so that no other start of the job gets in.
        live[key] = Run(runID: 0, startedAt: now, startedMilliseconds: startedMilliseconds, directory: directory)
        let runID: Int64
        do { runID = try await store.startCronRun(app: app, job: job.id, trigger: trigger, startedAt: now) } catch {
            live[key] = nil
            throw error
        }
        live[key] = Run(runID: runID, startedAt: now, startedMilliseconds: startedMilliseconds, directory: directory)
        do {
            try? Posix.mkdir(paths.logs, mode: 0o750, existingOK: true)
            Self.append("--- \(UTCTime.text(now)) cron \(job.id) (\(trigger.rawValue)): \(job.command)\n", to: logPath)
            let info = try Posix.lstat(logPath)
            try Posix.mkdir(CronRunDirectory.root(layout), mode: 0o700, existingOK: true)
            try Posix.mkdir(CronRunDirectory.root(layout) + "/" + app.rawValue, mode: 0o700, existingOK: true)
            try? Posix.removeTree(directory.path)
            try Posix.mkdir(directory.path, mode: 0o700)
            try directory.writeMarker(
                CronRunDirectory.Marker(
                    runID: runID, startedMilliseconds: startedMilliseconds, trigger: trigger.rawValue))
            let starter = try ShimStarter(
                shimPath, Self.shimOptions(directory, log: logPath, command: job.command, spec: spec, layout: layout),
                environment: spec.environment, name: "cron \(key)")
            try starter.wait()
            DaemonLog.info("cron \(app)", "job \(job.id) started (\(trigger.rawValue))")
            watchLimit(key, runID: runID, startedMilliseconds: startedMilliseconds)
            // It may have ended already, its event handled before `live` knew it.
            await check(key)
            return Started(
                key: key, runID: runID, log: logPath, inode: info?.inode ?? 0, offset: info?.size ?? 0)
        } catch {
            live[key] = nil
            try? await store.finishCronRun(
                id: runID, durationMilliseconds: Posix.realtimeMicroseconds() / 1000 - startedMilliseconds,
                exitCode: nil, signal: nil)
            Self.append("--- unable to run: \(error)\n", to: logPath)
            try? Posix.removeTree(directory.path)
            throw error
        }
    }

    /// The shim of a run: the job's command as a Procfile command is run (`.profile.d` first), in the release's
    /// build, as the app's user, its output appended to `log` (rotated as an instance's, without timestamps: the
    /// opening and closing lines date each run); never restarted, and a failed spawn is FATAL at once (no retry).
    static func shimOptions(
        _ directory: CronRunDirectory, log: String, command: String, spec: OneOff, layout: RootLayout
    ) -> ShimOptions {
        var options = ShimOptions()
        options.directory = directory.path
        options.logPath = log
        options.workingDirectory = spec.directory
        options.run(as: spec.credentials)
        options.eventsSocket = layout.eventsSocket
        options.command = ProcessCommand.procfile(command)
        options.machine.restart = .never
        options.machine.backoff.fatalAfter = 1
        options.machine.stopTimeout = 10_000
        return options
    }

    /// Stops a run that reached the 24-hour limit: `x` to its shim (the stop signal, then SIGKILL after 10 s).
    func watchLimit(_ key: String, runID: Int64, startedMilliseconds: Int64) {
        let remaining = max(Self.limitMilliseconds - (Posix.realtimeMicroseconds() / 1000 - startedMilliseconds), 0)
        limits[key]?.cancel()
        limits[key] = Task {
            try? await Task.sleep(for: .milliseconds(remaining))
            guard !Task.isCancelled else { return }
            await self.stopAtLimit(key, runID: runID)
        }
    }

    func stopAtLimit(_ key: String, runID: Int64) async {
        guard let run = live[key], run.runID == runID else { return }
        DaemonLog.info("cron \(run.directory.app)", "job \(run.directory.job) ran 24 hours; stopping it")
        let pid = run.directory.status()?.shimPID ?? 0
        try? ShimControl.send(.exit, toDirectory: run.directory.path)
        // Its end comes as an event too; awaited here as well, in case that datagram is lost.
        _ = await CronRunDirectory.awaitExit(of: pid, milliseconds: 15_000)
        await check(key)
    }

    /// A shim under `run/cron` changed (its event datagram): looks whether its run ended.
    public nonisolated func shimChanged(directory: String) {
        let parts = directory.split(separator: "/")
        guard parts.count >= 2 else { return }
        let key = parts[parts.count - 2] + "/" + parts[parts.count - 1]
        Task { await self.check(String(key)) }
    }

    /// Records the end of `key`'s run once its shim's status says its process is done (EXITED, FATAL, or STOPPED by
    /// the limit or a destroy), or once its shim is gone.
    func check(_ key: String) async {
        // Run id 0: a start is under way, its shim not started yet.
        guard let run = live[key], run.runID > 0 else { return }
        let status = run.directory.status()
        let alive = run.directory.isAlive
        if alive {
            switch status?.state {
            case .exited?, .fatal?: break
            case .stopped? where status?.lastExit != nil: break
            default: return
            }
        }
        await finish(key, status: status, gone: !alive)
    }

    /// How a run ended: its exit (nil: unknown), or why it could not run.
    public struct Ending: Sendable {
        public let exit: ExitStatus?
        public let error: String
        let end: CronLogStream.End
    }

    /// Records `key`'s end in the store and the log's closing line, tells who awaits it, then lets its shim go.
    private func finish(_ key: String, status: StatusRecord?, gone: Bool) async {
        guard let run = live.removeValue(forKey: key) else { return }
        limits.removeValue(forKey: key)?.cancel()
        let app = run.directory.app
        var exit: ExitStatus?
        switch status?.lastExit {
        case .code(let code)?: exit = .exited(code)
        case .signal(let signal)?: exit = .signaled(signal)
        case nil: exit = nil
        }
        let ended = status.map { $0.sinceMilliseconds } ?? 0
        let milliseconds = max((ended > 0 ? ended : Posix.realtimeMicroseconds() / 1000) - run.startedMilliseconds, 0)
        let error = status?.state == .fatal ? (status?.error ?? "") : ""
        try? await store.finishCronRun(
            id: run.runID, durationMilliseconds: milliseconds,
            exitCode: exit.flatMap { if case .exited(let code) = $0 { Int64(code) } else { nil } },
            signal: exit.flatMap { if case .signaled(let signal) = $0 { Int64(signal) } else { nil } })
        let log = layout.app(app).logs + "/cron.\(run.directory.job).log"
        let info = try? Posix.lstat(log)
        let closing: String
        switch exit {
        case .exited(let code)?: closing = "exit \(code) after \(milliseconds) ms"
        case .signaled(let signal)?: closing = "signal \(signal) after \(milliseconds) ms"
        case nil:
            closing =
                error.isEmpty
                ? "ended with unknown status after at most \(milliseconds) ms (its shim is gone)"
                : "unable to run: \(error)"
        }
        Self.append("--- \(closing)\n", to: log)
        DaemonLog.info("cron \(app)", "job \(run.directory.job): \(closing)")
        let ending = Ending(
            exit: exit, error: error, end: CronLogStream.End(inode: info?.inode ?? 0, offset: info?.size ?? 0))
        ends[key] = (run.runID, ending)
        for waiter in run.waiters { waiter.resume(returning: ending) }
        // The shim waits in EXITED (or FATAL) for a command: `x` ends it, then its directory goes.
        let directory = run.directory
        let shimPID = status?.shimPID ?? 0
        if !gone { try? ShimControl.send(.exit, toDirectory: directory.path) }
        Task {
            _ = await CronRunDirectory.awaitExit(of: shimPID, milliseconds: 15_000)
            await self.removeDirectory(directory)
        }
    }

    /// Removes a finished run's directory, unless a new run of the job took it meanwhile.
    private func removeDirectory(_ directory: CronRunDirectory) {
        if live[directory.key] != nil || directory.isAlive { return }
        try? Posix.removeTree(directory.path)
    }

    /// How `started` ended, once it has.
    public func awaitEnd(_ started: Started) async -> Ending {
        if let (runID, ending) = ends[started.key], runID == started.runID { return ending }
        guard live[started.key]?.runID == started.runID else {
            return Ending(exit: nil, error: "", end: CronLogStream.End(inode: started.inode, offset: started.offset))
        }
        return await withCheckedContinuation { live[started.key]?.waiters.append($0) }
    }

    /// At dokuend's start: re-attaches to the runs whose shims outlived the dokuend before (their end is recorded
    /// when it comes), and records the runs whose shims are gone meanwhile as their last status says, or as ended
    /// with unknown status.
    func adopt() async {
        for directory in CronRunDirectory.all(layout) {
            let key = directory.key
            guard live[key] == nil else { continue }
            guard let marker = directory.readMarker() else {
                if !directory.isAlive { try? Posix.removeTree(directory.path) }
                continue
            }
            live[key] = Run(
                runID: marker.runID, startedAt: marker.startedMilliseconds / 1000,
                startedMilliseconds: marker.startedMilliseconds, directory: directory)
            if directory.isAlive {
                DaemonLog.info("cron \(directory.app)", "job \(directory.job) is still running; re-attached")
                watchLimit(key, runID: marker.runID, startedMilliseconds: marker.startedMilliseconds)
            }
            await check(key)
        }
    }

    /// Stops every run of `app` (`apps destroy`): `x` to each shim, awaited, then their ends are recorded and
    /// `run/cron/APP` goes.
    public func stopAll(of app: AppName) async {
        let directories = CronRunDirectory.all(layout).filter { $0.app == app }
        for directory in directories where directory.isAlive {
            let pid = directory.status()?.shimPID ?? 0
            try? ShimControl.send(.exit, toDirectory: directory.path)
            _ = await CronRunDirectory.awaitExit(of: pid, milliseconds: 15_000)
        }
        for directory in directories { await check(directory.key) }
        try? Posix.removeTree(CronRunDirectory.root(layout) + "/" + app.rawValue)
    }

    static func append(_ text: String, to path: String) {
        guard let fd = try? Posix.open(path, [.writeOnly, .append, .create], mode: 0o640) else { return }
        try? Posix.writeAll(fd, Array(text.utf8))
        Posix.close(fd)
    }

    /// The loop of `CronService`: a pass, then wait for the earliest due time or a wake, whichever comes first. The
    /// wall clock is read again at least every hour, so that a step of it (NTP, a suspended laptop) is noticed.
    func loop() async {
        var horizon = Int64(Date().timeIntervalSince1970)
        var timer: Task<Void, Never>?
        var iterator = wakes.makeAsyncIterator()
        var first = true
        await adopt()
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
        // The runs go on under their shims, as instances do; the next dokuend re-attaches to them (`adopt`).
        for task in limits.values { task.cancel() }
    }

    func finish() { wakeSink.finish() }
}
