/// A cron job of an app, as `GET /v1/apps/NAME/cron` lists it (docs/API.md, Cron; docs/CRON.md).
public struct CronJobStatus: Codable, Equatable, Sendable {
    /// Eight hex digits, stable while the job's schedule and command stay the same.
    public var id: String
    public var schedule: String
    public var command: String
    /// The zone the schedule is read in: the app's `TZ`, else the host's.
    public var zone: String
    /// Seconds since the epoch; nil for `@reboot`.
    public var next: Int64?
    public var suspended: Bool
    /// When the run in progress started; nil when none runs.
    public var running: Int64?
    /// The newest finished or skipped run.
    public var last: CronRun?

    public init(
        id: String, schedule: String, command: String, zone: String, next: Int64?, suspended: Bool, running: Int64?,
        last: CronRun?
    ) {
        self.id = id
        self.schedule = schedule
        self.command = command
        self.zone = zone
        self.next = next
        self.suspended = suspended
        self.running = running
        self.last = last
    }
}

/// One run of a cron job: what started it (`schedule`, `run`, `reboot`, or `skipped`: due while it still ran), when,
/// and how it ended (nil while it runs).
public struct CronRun: Codable, Equatable, Sendable {
    public var trigger: String
    public var startedAt: Int64
    public var durationMilliseconds: Int64?
    public var exit: Int64?
    public var signal: Int64?

    public init(trigger: String, startedAt: Int64, durationMilliseconds: Int64?, exit: Int64?, signal: Int64?) {
        self.trigger = trigger
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.exit = exit
        self.signal = signal
    }
}

/// The body of `POST /v1/apps/NAME/cron/suspend` and `…/resume`: one job's id, or nil for every job of the app.
public struct CronSuspension: Codable, Equatable, Sendable {
    public var job: String?

    public init(job: String? = nil) { self.job = job }
}
