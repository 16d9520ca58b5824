import ServiceLifecycle

/// The service of dokuend's group that fires cron jobs (`CronScheduler`, docs/CRON.md). It waits on a deadline (the
/// next due time) or a wake (a release changed, a job was suspended or resumed), never on a poll; on a graceful
/// shutdown it stops, and so do the jobs it started.
public struct CronService: Service {
    let scheduler: CronScheduler

    public init(scheduler: CronScheduler) { self.scheduler = scheduler }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await scheduler.loop()
        } onGracefulShutdown: {
            Task { await scheduler.finish() }
        }
    }
}
