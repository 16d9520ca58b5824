import DokuenCore
import DokuenStore

/// The alerts' state machine (docs/ALERTS.md): facts in, episode changes out, no I/O and no clock (`now` is given).
///
/// An episode is one occurrence of one alert about one subject (`deploy.failed:blog`,
/// `instance.crashloop:blog:web.1`). It fires once, when its condition starts, and resolves once, when it clears;
/// a fact that repeats an open episode's condition changes nothing. Open episodes come from the store at start, so
/// a restart of dokuend neither fires an open episode again nor forgets its "resolved". Counters that only lead up
/// to an episode (a crash loop's exits, liveness restarts) live in memory and start afresh with dokuend.
public struct AlertEpisodes: Sendable {
    /// What a fact did.
    public enum Change: Equatable, Sendable {
        case fired(AlertEpisodeRecord)
        /// The episode and how it cleared.
        case resolved(AlertEpisodeRecord, summary: String)
    }

    /// Exits in a row, without a RUNNING between, that make an instance crash-looping (FATAL is at once).
    public static let crashLoopExits = 3
    /// Liveness restarts of one app within `livenessWindow` seconds that fire `instance.liveness`; it resolves once
    /// a whole window passes without one.
    public static let livenessRestarts = 3
    public static let livenessWindow: Int64 = 600
    /// The disk alert fires above this percentage of the root's file system, and resolves at or below `diskClear`.
    public static let diskFull = 90
    public static let diskClear = 85
    /// A certificate that expires within this many seconds fires `certs.expiring`.
    public static let certificateWarning: Int64 = 14 * 86_400

    /// Open episodes by key.
    public private(set) var open: [String: AlertEpisodeRecord] = [:]
    /// Per instance slot (`blog:web.1`): the restarts last seen and the exits counted since its last RUNNING.
    private var exits: [String: (restarts: Int, count: Int)] = [:]
    /// Per app: the times of its recent liveness restarts.
    private var liveness: [AppName: [Int64]] = [:]

    public init(open episodes: [AlertEpisodeRecord] = []) {
        for episode in episodes { open[episode.key] = episode }
    }

    /// When `tick` must be handled next; nil: no deadline.
    public var nextDeadline: Int64? {
        liveness.values.compactMap { $0.last.map { $0 + Self.livenessWindow } }.min()
    }

    /// What `fact`, learned at `now`, changes.
    public mutating func handle(_ fact: AlertFact, at now: Int64) -> [Change] {
        switch fact {
        case .event(let event): return handle(event, at: now)
        case .instance(let id, let state, let restarts): return instance(id, state: state, restarts: restarts, now)
        case .addon(let name, let up):
            let key = "addon.down:" + name
            return up
                ? resolve(key, "The add-on \(name) answers again.")
                : fire(
                    key, "addon.down", nil, now, "The add-on \(name) does not answer.",
                    "Read its log (dokuen addons logs \(name)) and restart it (dokuen addons restart \(name)); the "
                        + "apps linked to it wait for it.")
        case .disk(let path, let percent):
            if percent > Self.diskFull {
                return fire(
                    "disk.full", "disk.full", nil, now, "The disk of \(path) is \(percent) % full.",
                    "Free space: prune old releases (dokuend --keep-releases), old logs, backups kept on this disk; "
                        + "deploys and logs stop when it is full.")
            }
            return percent <= Self.diskClear ? resolve("disk.full", "The disk of \(path) is \(percent) % full.") : []
        case .certificate(let app, let notAfter):
            let name = app?.rawValue ?? "the wildcard"
            let key = "certs.expiring:" + (app?.rawValue ?? "*")
            guard let notAfter, notAfter - now < Self.certificateWarning else {
                return resolve(key, "The certificate of \(name) no longer expires within 14 days.")
            }
            let when = notAfter <= now ? "expired at" : "expires at"
            return fire(
                key, "certs.expiring", app, now, "The certificate of \(name) \(when) \(UTCTime.text(notAfter)).",
                "Renew it: dokuen certs renew \(app?.rawValue ?? "--wildcard") for an automatic one (dokuen certs "
                    + "info shows why renewals fail), or dokuen certs add with a new pair.")
        case .backupAge(let last, let allowed):
            guard let allowed, last.map({ now - $0 > allowed }) ?? true else {
                return resolve("backup.late", "A backup succeeded within its schedule.")
            }
            let since = last.map { "since \(UTCTime.text($0))" } ?? "ever"
            return fire(
                "backup.late", "backup.late", nil, now,
                "No backup has succeeded \(since); the schedule allows "
                    + "\(allowed / 3600) h.",
                "Read dokuen backup list and dokuen events for the failures; check the repository and its password "
                    + "file, then run dokuen backup create.")
        case .tick: return tick(now)
        }
    }

    private mutating func handle(_ event: EventRecord, at now: Int64) -> [Change] {
        let app = event.app
        let name = app?.rawValue ?? ""
        switch event.action {
        case "deploy.fail":
            guard let app else { return [] }
            return fire(
                "deploy.failed:" + name, "deploy.failed", app, now, "A deploy of \(name) failed: \(event.detail)",
                "Read the deploy's output (dokuen events \(name) has its error), fix the app or its config and "
                    + "deploy again; what served before still serves.")
        case "deploy.succeed":
            guard let app else { return [] }
            return resolve("deploy.failed:" + name, "\(name) deployed: \(event.detail).")
                + resolve("release.auto_rollback:" + name, "\(name) deployed: \(event.detail).")
        case "release.auto_rollback":
            guard let app else { return [] }
            let key = "release.auto_rollback:" + name
            if event.detail.contains(" rolled back to ") {
                return resolve(key, "\(name): \(event.detail).")
            }
            return fire(
                key, "release.auto_rollback", app, now, "\(name) was rolled back: \(event.detail)",
                "Its new release crash-looped or failed its liveness checks after the cutover: read its logs "
                    + "(dokuen logs \(name)), fix it and deploy again.")
        case "instance.liveness":
            guard let app else { return [] }
            var times = (liveness[app] ?? []).filter { $0 > now - Self.livenessWindow }
            times.append(now)
            liveness[app] = times
            guard times.count >= Self.livenessRestarts else { return [] }
            return fire(
                "instance.liveness:" + name, "instance.liveness", app, now,
                "\(name) was restarted \(times.count) times in \(Self.livenessWindow / 60) minutes for failing its "
                    + "liveness checks (last: \(event.detail)).",
                "Read its logs (dokuen logs \(name)) and its checks (dokuen checks \(name)): the app hangs or the "
                    + "check asks too much.")
        case "certs.failed":
            let key = "certs.failed:" + (app?.rawValue ?? "*")
            let subject = app.map { "of \($0)" } ?? "of the wildcard"
            return fire(
                key, "certs.failed", app, now, "The certificate renewal \(subject) failed: \(event.detail)",
                "Read dokuen certs info \(app?.rawValue ?? "--wildcard") for the reason; dokuend retries with a "
                    + "backoff, and dokuen certs renew tries now.")
        case "certs.issued", "certs.renewed":
            let key = "certs.failed:" + (app?.rawValue ?? "*")
            return resolve(key, "The certificate \(app.map { "of \($0)" } ?? "of the wildcard") was obtained.")
        case "backup.create":
            if event.detail.hasPrefix("failed") {
                return fire(
                    "backup.failed", "backup.failed", nil, now, "A backup failed: \(event.detail)",
                    "Read dokuen backup list and the daemon's log; check the repository (dokuen backup check), then "
                        + "run dokuen backup create.")
            }
            if event.detail.hasPrefix("ok") {
                return resolve("backup.failed", "A backup succeeded: \(event.detail).")
                    + resolve("backup.late", "A backup succeeded: \(event.detail).")
            }
            return []
        case "app.destroy":
            guard let app else { return [] }
            return open.values.filter { $0.app == app }.sorted { $0.key < $1.key }.flatMap {
                resolve($0.key, "\(name) was destroyed.")
            }
        default: return []
        }
    }

    private mutating func instance(_ id: InstanceID, state: String, restarts: Int, _ now: Int64) -> [Change] {
        let slot = id.slot
        let key = "instance.crashloop:" + slot
        if state == "RUNNING" {
            exits[slot] = (restarts, 0)
            return resolve(key, "\(id.dyno) of \(id.app) runs again (\(id.release)).")
        }
        var seen = exits[slot] ?? (restarts: -1, count: 0)
        if restarts > seen.restarts {
            if seen.restarts >= 0 || restarts > 0 { seen.count += 1 }
            seen.restarts = restarts
        }
        exits[slot] = seen
        let looping = state == "FATAL" || (state != "STOPPED" && seen.count >= Self.crashLoopExits)
        guard looping else { return [] }
        let how =
            state == "FATAL"
            ? "is FATAL: it failed to start too many times in a row and is retried every 5 minutes"
            : "is crash-looping (\(seen.count) exits in a row, now \(state))"
        return fire(
            key, "instance.crashloop", id.app, now, "\(id.dyno) of \(id.app) (\(id.release)) \(how).",
            "Read its log (dokuen logs \(id.app) --type \(id.type)); fix the app and deploy, or roll back (dokuen "
                + "rollback \(id.app)); dokuen restart \(id.app) tries again now.")
    }

    private mutating func tick(_ now: Int64) -> [Change] {
        var changes: [Change] = []
        for (app, times) in liveness.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let recent = times.filter { $0 > now - Self.livenessWindow }
            if recent.isEmpty {
                liveness[app] = nil
                changes += resolve(
                    "instance.liveness:" + app.rawValue,
                    "\(app) had no liveness restart for \(Self.livenessWindow / 60) minutes.")
            } else {
                liveness[app] = recent
            }
        }
        return changes
    }

    private mutating func fire(
        _ key: String, _ alert: String, _ app: AppName?, _ now: Int64, _ summary: String, _ action: String
    ) -> [Change] {
        guard open[key] == nil else { return [] }
        let episode = AlertEpisodeRecord(
            key: key, alert: alert, app: app, summary: summary, action: action, openedAt: now)
        open[key] = episode
        return [.fired(episode)]
    }

    private mutating func resolve(_ key: String, _ summary: String) -> [Change] {
        guard let episode = open.removeValue(forKey: key) else { return [] }
        return [.resolved(episode, summary: summary)]
    }
}
