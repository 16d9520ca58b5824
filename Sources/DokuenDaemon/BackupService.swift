import ServiceLifecycle

/// The service of dokuend's group that runs scheduled backups (`BackupScheduler`); on a graceful shutdown it stops,
/// and a scheduled backup in progress is cancelled (restic is stopped with its group).
public struct BackupService: Service {
    let scheduler: BackupScheduler

    public init(scheduler: BackupScheduler) { self.scheduler = scheduler }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await scheduler.loop()
        } onGracefulShutdown: {
            Task { await scheduler.finish() }
        }
    }
}
