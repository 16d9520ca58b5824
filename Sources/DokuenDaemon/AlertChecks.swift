import DokuenCore
import DokuenPosix
import DokuenStore

/// The alerts' periodic conditions (docs/ALERTS.md), which no event announces: the disk of the root, certificates'
/// expiry and the age of the last successful backup. One pass reads them as facts and says when the next is due:
/// the earliest of the next disk look (every 10 minutes), a certificate's entry into its last 14 days, and the
/// moment the last backup becomes too old. The Notifier sleeps until then.
public struct AlertChecks: Sendable {
    /// How often the disk is looked at: nothing announces that it fills.
    public static let diskPeriod: Int64 = 600
    let layout: RootLayout
    let store: Store
    let renewer: AcmeRenewer?

    public init(layout: RootLayout, store: Store, renewer: AcmeRenewer?) {
        self.layout = layout
        self.store = store
        self.renewer = renewer
    }

    /// The facts at `now`, and when to look again.
    func pass(now: Int64) async -> (facts: [AlertFact], next: Int64) {
        var facts: [AlertFact] = []
        var next = now + Self.diskPeriod
        if let usage = try? Posix.fileSystemUsage(layout.root) {
            facts.append(.disk(path: layout.root, percentUsed: usage.percentUsed))
        }
        if let renewer {
            let apps = ((try? await store.apps()) ?? []).map { Optional($0.name) }
            for app in [nil] + apps {
                let notAfter = await renewer.notAfter(of: app)
                if app == nil && notAfter == nil { continue }
                facts.append(.certificate(app: app, notAfter: notAfter))
                if let notAfter, notAfter - AlertEpisodes.certificateWarning > now {
                    next = min(next, notAfter - AlertEpisodes.certificateWarning)
                }
            }
        }
        let (fact, due) = await backupAge(now: now)
        facts.append(fact)
        if let due, due > now { next = min(next, due) }
        return (facts, next)
    }

    /// How old the last successful backup may be: twice the schedule's period (a run that failed once is the
    /// `backup.failed` alert's; two missed runs are this one's), plus an hour for a slow run.
    func backupAge(now: Int64) async -> (AlertFact, due: Int64?) {
        guard let record = try? await store.backupSchedule(), let schedule = try? BackupSchedule(record.schedule),
            let first = schedule.nextFire(after: now, in: CronTimeZone.host),
            let second = schedule.nextFire(after: first, in: CronTimeZone.host)
        else { return (.backupAge(lastSuccess: nil, allowedSeconds: nil), nil) }
        let allowed = 2 * (second - first) + 3600
        let runs = (try? await store.backupRuns(limit: 200)) ?? []
        // Until one succeeds, the schedule's start counts as the last success.
        let last = runs.first { $0.outcome == "ok" }?.startedAt ?? record.createdAt
        return (.backupAge(lastSuccess: last, allowedSeconds: allowed), last + allowed + 1)
    }
}
