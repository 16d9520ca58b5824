import DokuenCore

/// dokuend's settings that are not state: they come from its command line, with defaults that make a fresh
/// machine work (docs/DESIGN.md §3).
public struct DaemonSettings: Sendable {
    /// Releases kept per app; older ones are forgotten and builds no kept release uses are deleted. At least 2.
    public var keepReleases = 5
    /// How long one buildpack step (detect, compile, release) may run before its whole process group is killed.
    public var buildTimeoutSeconds = 900
    /// The built-in buildpacks (the repository's `buildpacks/`, installed beside the binaries).
    public var builtinBuildpacks = ""
    /// The private nginx of a dokuend that is not root (docs/MODES.md), which `dokuen shutdown` stops; nil otherwise.
    public var privateNginx: PrivateNginxService?
    /// After routing switched to a new release, how long the old instances keep running for requests in flight.
    public var drainMilliseconds = 2_000
    /// How long a new release's instances have to become RUNNING, and its web instances to accept on their
    /// ports (Heroku's boot timeout, R10).
    public var bootTimeoutSeconds = 60
    /// Where `dokuen shutdown` asks the daemon to stop; nil when nothing listens (the daemon is not running).
    public var stopRequests: StopRequests?

    /// The cron scheduler (docs/CRON.md); nil: no cron routes (tests of other routes).
    public var cron: CronScheduler?

    /// Backups (docs/BACKUP.md) and their schedule; nil: no backup routes (tests of other routes).
    public var backups: BackupRunner?
    public var backupScheduler: BackupScheduler?

    /// Automatic certificates (docs/CERTS.md); nil: no `certs auto` routes (tests of other routes).
    public var acme: AcmeRenewer?

    /// Alerts (docs/ALERTS.md); nil: no `notify` routes (tests of other routes).
    public var notifier: Notifier?

    /// Prometheus metrics (docs/METRICS.md); nil: no `GET /v1/metrics` and no request metrics (tests of other
    /// routes).
    public var metrics: DaemonMetrics?

    public init() {}
}

/// A whole-number option of dokuend and the values it takes: every one is checked at start, whatever else is on
/// (an `--http-port` is checked with routing off too), and refused with one line that names the option, the value
/// and the range.
public struct NumericOption: Sendable, Equatable {
    /// `--http-port`.
    public let name: String
    public let range: ClosedRange<Int>
    /// What the number counts, as the refusal says it: `a port`, `whole seconds`.
    public let unit: String

    public init(_ name: String, _ range: ClosedRange<Int>, _ unit: String) {
        self.name = name
        self.range = range
        self.unit = unit
    }

    /// nil when `value` is in the range, else why not: `invalid --http-port "0": it takes a port from 1 to 65535`.
    public func refusal(_ value: Int) -> String? {
        range.contains(value)
            ? nil
            : "invalid \(name) \(Quoting.quoted(String(value))): it takes \(unit) from \(range.lowerBound) to "
                + "\(range.upperBound)"
    }

    public static let keepReleases = NumericOption("--keep-releases", 2...1000, "a number of releases")
    public static let buildTimeout = NumericOption("--build-timeout", 1...86_400, "whole seconds")
    public static let drainMilliseconds = NumericOption("--drain-milliseconds", 0...600_000, "milliseconds")
    public static let bootTimeout = NumericOption("--boot-timeout", 1...3600, "whole seconds")
    public static let httpPort = NumericOption("--http-port", 1...65_535, "a port")
    public static let httpsPort = NumericOption("--https-port", 1...65_535, "a port")
    public static let notifyTimeout = NumericOption("--notify-timeout", 1...600, "whole seconds")

    /// `--ports LOW-HIGH` as a range, or why not.
    public static func portRange(_ text: String) -> Result<ClosedRange<Int>, PortRangeRefusal> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.utf8.count <= 5 }), let low = Int(parts[0]),
            let high = Int(parts[1]), 1 <= low, low <= high, high <= 65_535
        else { return .failure(PortRangeRefusal(text: text)) }
        return .success(low...high)
    }
}

/// A `--ports` that is not LOW-HIGH within 1 to 65535.
public struct PortRangeRefusal: Error, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "invalid --ports \(Quoting.quoted(text)): it takes LOW-HIGH, two ports from 1 to 65535 with LOW <= HIGH, as "
            + "in 5000-5999"
    }
}
