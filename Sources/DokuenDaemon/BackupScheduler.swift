import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Foundation

/// dokuend's backup schedule (docs/BACKUP.md, Schedule): at each time the stored schedule is due, in the host's
/// zone, one `backup create` and then, when the schedule has keep rules, one `backup forget` with them. It sleeps
/// until the next due time or a wake (the schedule changed), never polls; the wall clock is read again at least every
/// hour, as cron's is. A time missed while dokuend was down is not made up; a time due while a backup still runs is
/// skipped, with a `backup.create` event that says so.
public actor BackupScheduler {
    let runner: BackupRunner
    let store: Store
    private let wakes: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation
    /// The schedule the last pass saw (text and when it was set): a new one counts from when it was seen.
    private var seen: (text: String, createdAt: Int64)?
    private var horizon: Int64 = 0
    private var run: Task<Void, Never>?
    private var running = false

    public init(runner: BackupRunner, store: Store) {
        self.runner = runner
        self.store = store
        (wakes, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the loop to read the schedule again (it was set or turned off).
    public nonisolated func wake() { wakeSink.yield() }

    /// The schedule's next run after `now`, nil when there is no schedule.
    public func next(after now: Int64) async -> Int64? {
        guard let record = try? await store.backupSchedule(), let schedule = try? BackupSchedule(record.schedule)
        else { return nil }
        return schedule.nextFire(after: now, in: CronTimeZone.host)
    }

    /// One pass at `now`: starts the scheduled run when it was due since the last pass; returns the next due time.
    func pass(now: Int64) async -> Int64? {
        defer { horizon = now }
        guard let record = try? await store.backupSchedule(), let schedule = try? BackupSchedule(record.schedule)
        else {
            seen = nil
            return nil
        }
        if seen?.text != record.schedule || seen?.createdAt != record.createdAt {
            seen = (record.schedule, record.createdAt)
            horizon = now
            let next = schedule.nextFire(after: now, in: CronTimeZone.host).map { UTCTime.text($0) } ?? "never"
            DaemonLog.info("backup", "schedule \(schedule) in \(CronTimeZone.host.identifier); next \(next)")
        }
        if let due = schedule.nextFire(after: horizon, in: CronTimeZone.host), due <= now { fire(record) }
        return schedule.nextFire(after: now, in: CronTimeZone.host)
    }

    /// Starts one scheduled run (create, then forget) in the background, unless one still runs.
    func fire(_ record: BackupScheduleRecord) {
        let actor = "dokuend (schedule)"
        guard !running else {
            DaemonLog.info("backup", "the scheduled backup is due while the last one still runs; skipped")
            let store = store
            Task {
                try? await store.appendEvent(
                    actor: actor, app: nil, action: "backup.create",
                    detail: "skipped (schedule): the previous scheduled backup still runs")
            }
            return
        }
        running = true
        let runner = runner
        let store = store
        run = Task {
            do {
                let summary = try await runner.create(
                    trigger: "schedule", withBuilds: false, actor: actor, onLine: { _ in })
                DaemonLog.info(
                    "backup", "scheduled snapshot \(summary.shortID), \(ByteSize.text(summary.dataAdded)) added")
                if !record.retention.isEmpty {
                    _ = try await runner.forget(record.retention, prune: record.prune, actor: actor)
                }
            } catch let error as APIError where error.code == .conflict {
                // Refused before it began (a manual backup runs): not a run of its own, so the event says it here.
                _ = try? await store.appendEvent(
                    actor: actor, app: nil, action: "backup.create", detail: "skipped (schedule): " + error.message)
            } catch {
                DaemonLog.error("backup", "scheduled backup: \(APIServer.message(for: error))")
            }
            self.finished()
        }
    }

    private func finished() { running = false }

    /// The loop of `BackupService`.
    func loop() async {
        var timer: Task<Void, Never>?
        var iterator = wakes.makeAsyncIterator()
        horizon = Int64(Date().timeIntervalSince1970)
        while !Task.isCancelled {
            let now = Int64(Date().timeIntervalSince1970)
            let next = await pass(now: now)
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
        run?.cancel()
    }

    func finish() { wakeSink.finish() }
}
