/// One run of a cron job (docs/CRON.md), as `cron_runs` holds it.
public struct CronRunRecord: Equatable, Sendable {
    /// What started it: its schedule, `dokuen cron run`, `@reboot`, or a fire skipped because it still ran.
    public enum Trigger: String, Sendable {
        case schedule, run, reboot, skipped
    }

    public let id: Int64
    public let job: String
    public let trigger: Trigger
    public let startedAt: Int64
    /// Nil while it runs (and for a skipped fire).
    public let durationMilliseconds: Int64?
    public let exitCode: Int64?
    public let signal: Int64?
}
