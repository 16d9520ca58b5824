import DokuenAPI
import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenStore
import Foundation
import Hummingbird

/// The cron routes (docs/API.md, Cron; docs/CRON.md): `GET /v1/apps/NAME/cron` lists the jobs of the current release
/// with their next and last runs; `POST …/cron/ID/run` runs one now and streams its output as `dokuen run` does
/// (`RunEvent` NDJSON); `POST …/cron/suspend` and `…/resume` stop and restart the firing of one job or all.
extension APIServer {
    static func addCronRoutes(to v1: RouterGroup<DokuenContext>, store: Store, cron: CronScheduler) {
        v1.get("apps/:app/cron") { _, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let listing = try await cron.list(name, now: Int64(Date().timeIntervalSince1970))
            let runs = try await store.cronRuns(app: name, limit: 2)
            return try json(
                listing.map { item in
                    // The newest run that ended (or was skipped); the one in progress shows as `running`.
                    let last = runs.first { run in
                        run.job == item.job.id && (run.trigger == .skipped || run.durationMilliseconds != nil)
                    }
                    return CronJobStatus(
                        id: item.job.id, schedule: item.job.schedule.text, command: item.job.command, zone: item.zone,
                        next: item.next, suspended: item.suspended, running: item.running,
                        last: last.map {
                            CronRun(
                                trigger: $0.trigger.rawValue, startedAt: $0.startedAt,
                                durationMilliseconds: $0.durationMilliseconds, exit: $0.exitCode, signal: $0.signal)
                        })
                })
        }
        v1.post("apps/:app/cron/:job/run") { request, context in
            let name = try appName(context.parameters.get("app") ?? "")
            let id = context.parameters.get("job") ?? ""
            let job = try await job(id, of: name, cron: cron)
            try await store.appendEvent(
                actor: await actor(request, context), app: name, action: "cron.run", detail: "job \(job.id)")
            let (events, sink) = AsyncStream<RunEvent>.makeStream()
            let run = Task {
                do {
                    // The run goes on under its shim whatever the client does; the stream follows its log.
                    let started = try await cron.start(name, job, trigger: .run)
                    let follower = try CronLogStream(path: started.log)
                    let ending = Task {
                        let ending = await cron.awaitEnd(started)
                        follower.finish(at: ending.end)
                        return ending
                    }
                    await withTaskCancellationHandler {
                        for await line in follower.lines(from: started.offset, inode: started.inode) {
                            sink.yield(RunEvent(line: line))
                        }
                    } onCancel: {
                        follower.cancel()
                    }
                    if Task.isCancelled {
                        sink.finish()
                        return
                    }
                    let end = await ending.value
                    switch end.exit {
                    case .exited(let code)?: sink.yield(RunEvent(exit: code))
                    case .signaled(let signal)?: sink.yield(RunEvent(signal: signal))
                    case nil:
                        sink.yield(
                            RunEvent(
                                error: end.error.isEmpty
                                    ? "cron job \(job.id) ended with unknown status" : "unable to run: \(end.error)"))
                    }
                } catch {
                    sink.yield(RunEvent(error: "\(error)"))
                }
                sink.finish()
            }
            return streaming(events) { run.cancel() }
        }
        for (verb, suspended) in [("suspend", true), ("resume", false)] {
            v1.post("apps/:app/cron/\(verb)") { request, context in
                let name = try appName(context.parameters.get("app") ?? "")
                let body = try await request.decode(as: CronSuspension.self, context: context)
                if let id = body.job { _ = try await job(id, of: name, cron: cron) }
                let changed = try await store.setCronSuspended(
                    app: name, job: body.job, suspended: suspended, actor: await actor(request, context))
                cron.wake()
                return try json(["changed": changed])
            }
        }
    }

    /// The job `id` of `app`'s current release, or an error that names what exists.
    static func job(_ id: String, of app: AppName, cron: CronScheduler) async throws -> CronJob {
        guard CronJob.isID(id) else {
            throw APIError(
                .invalid, "invalid cron job \(Quoting.quoted(id)): a job id is 8 hex digits (dokuen cron list)")
        }
        let jobs = try await cron.list(app, now: 0).map(\.job)
        guard let job = jobs.first(where: { $0.id == id }) else {
            throw APIError(
                .notFound,
                "unable to find cron job \(id) of \(app): its current release has "
                    + (jobs.isEmpty ? "no cron jobs" : "jobs \(jobs.map(\.id).joined(separator: ", "))"))
        }
        return job
    }
}
