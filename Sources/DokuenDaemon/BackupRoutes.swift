import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenStore
import Foundation
import Hummingbird

/// The backup routes (docs/API.md, Backups; docs/BACKUP.md): `POST /v1/backups/init`; `POST /v1/backups` takes a
/// snapshot and streams its progress (`BackupEvent` NDJSON: lines, then a summary or an error), running to its end
/// even when the client leaves; `GET /v1/backups` lists the snapshots; `POST /v1/backups/check` streams `restic
/// check` as a run does (`RunEvent`); `POST /v1/backups/forget`; `GET`, `PUT` and `DELETE /v1/backups/schedule`.
extension APIServer {
    static func addBackupRoutes(
        to v1: RouterGroup<DokuenContext>, store: Store, backups: BackupRunner, scheduler: BackupScheduler?
    ) {
        v1.post("backups/init") { request, context in
            let repository = try await backups.initialize(actor: await actor(request, context))
            return try json(["repository": repository], status: .created)
        }
        v1.post("backups") { request, context in
            guard backups.isConfigured else { throw APIError(.unavailable, BackupRunner.notConfigured) }
            let withBuilds = request.uri.queryParameters.get("builds") == "1"
            let actor = await actor(request, context)
            let (events, sink) = AsyncStream<BackupEvent>.makeStream()
            let keepalive = Task {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(keepaliveSeconds))
                    sink.yield(BackupEvent())
                }
            }
            // As a deploy: it runs to its end even when the client goes away.
            Task {
                do {
                    let summary = try await backups.create(
                        trigger: "manual", withBuilds: withBuilds, actor: actor,
                        onLine: { sink.yield(BackupEvent(line: $0)) })
                    sink.yield(BackupEvent(summary: summary))
                } catch {
                    sink.yield(BackupEvent(error: message(for: error)))
                }
                keepalive.cancel()
                sink.finish()
            }
            return streaming(events)
        }
        v1.get("backups") { _, _ in
            try json(try await backups.list())
        }
        v1.post("backups/check") { request, context in
            guard backups.isConfigured else { throw APIError(.unavailable, BackupRunner.notConfigured) }
            let actor = await actor(request, context)
            let (events, sink) = AsyncStream<RunEvent>.makeStream()
            Task {
                do {
                    switch try await backups.check(actor: actor, onLine: { sink.yield(RunEvent(line: $0)) }) {
                    case .exited(let code): sink.yield(RunEvent(exit: code))
                    case .signaled(let signal): sink.yield(RunEvent(signal: signal))
                    }
                } catch {
                    sink.yield(RunEvent(error: message(for: error)))
                }
                sink.finish()
            }
            return streaming(events)
        }
        v1.post("backups/forget") { request, context in
            let body = try await request.decode(as: BackupRetention.self, context: context)
            let policy = try retention(body)
            return try json(try await backups.forget(policy, prune: body.prune, actor: await actor(request, context)))
        }
        v1.get("backups/schedule") { _, _ in
            try json(try await scheduleInfo(store: store, scheduler: scheduler))
        }
        v1.put("backups/schedule") { request, context in
            guard let scheduler else { throw APIError(.unavailable, "unable to schedule backups: no scheduler runs") }
            guard backups.isConfigured else { throw APIError(.unavailable, BackupRunner.notConfigured) }
            let body = try await request.decode(as: BackupScheduleRequest.self, context: context)
            let schedule = try BackupSchedule(body.schedule)
            let policy = try retention(body.retention, required: false)
            try await store.setBackupSchedule(
                schedule, retention: policy, prune: body.retention.prune, actor: await actor(request, context))
            scheduler.wake()
            return try json(try await scheduleInfo(store: store, scheduler: scheduler))
        }
        v1.delete("backups/schedule") { request, context in
            try await store.clearBackupSchedule(actor: await actor(request, context))
            scheduler?.wake()
            return try json(try await scheduleInfo(store: store, scheduler: scheduler))
        }
    }

    /// The keep rules of a request, each 0 to 100000, at least one unless `required` is false.
    static func retention(_ body: BackupRetention, required: Bool = true) throws -> RetentionPolicy {
        for (flag, value) in [
            ("--keep-last", body.last), ("--keep-daily", body.daily), ("--keep-weekly", body.weekly),
            ("--keep-monthly", body.monthly),
        ] where !(0...100_000).contains(value) {
            throw APIError(.invalid, "invalid \(flag) \(value): it takes a number of snapshots from 0 to 100000")
        }
        let policy = RetentionPolicy(last: body.last, daily: body.daily, weekly: body.weekly, monthly: body.monthly)
        if required && policy.isEmpty {
            throw APIError(
                .invalid,
                "unable to forget snapshots: give at least one of --keep-last, --keep-daily, --keep-weekly, "
                    + "--keep-monthly")
        }
        return policy
    }

    static func scheduleInfo(store: Store, scheduler: BackupScheduler?) async throws -> BackupScheduleInfo {
        let record = try await store.backupSchedule()
        let last = try await store.backupRuns(trigger: "schedule", limit: 1).first
        let now = Int64(Date().timeIntervalSince1970)
        return BackupScheduleInfo(
            schedule: record?.schedule,
            retention: record.map {
                BackupRetention(
                    last: $0.retention.last, daily: $0.retention.daily, weekly: $0.retention.weekly,
                    monthly: $0.retention.monthly, prune: $0.prune)
            },
            next: record == nil ? nil : await scheduler?.next(after: now),
            lastRun: last.map {
                BackupRun(
                    trigger: $0.trigger, startedAt: $0.startedAt, durationMilliseconds: $0.durationMilliseconds,
                    outcome: $0.outcome, snapshotID: $0.snapshotID, totalBytes: $0.totalBytes,
                    dataAdded: $0.dataAdded, error: $0.error)
            },
            zone: CronTimeZone.host.identifier)
    }
}
