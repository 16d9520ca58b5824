/// A liveness check (app.json `healthchecks`, Dokku's `"type": "liveness"`, of any process type): dokuend probes
/// every RUNNING instance of the type each `period` seconds, the first time `initialDelay` seconds after it is seen
/// RUNNING; after `threshold` failures in a row it restarts the instance through its shim (docs/DESIGN.md §2,
/// Liveness). A probe is `GET path` on the instance's `$PORT` (it must answer `status`, with `content` when set)
/// or a command run as the app's user with the instance's environment (it must exit 0), within `timeout` seconds.
/// Dokku's keys: `wait` is the period (default 10), `attempts` the threshold (default 3).
public struct LivenessCheck: Equatable, Sendable {
    public enum Probe: Equatable, Sendable {
        /// The HTTP check's `path`, `status` and `content`.
        case http(HealthCheck)
        /// The argv, run without a shell.
        case command([String])
    }

    public let type: ProcessType
    public let probe: Probe
    public let period: Int
    public let timeout: Int
    public let threshold: Int
    public let initialDelay: Int

    public static let defaultPeriod = 10
    public static let defaultThreshold = 3
    public static let defaultTimeout = 5

    public init(
        type: ProcessType, probe: Probe, period: Int = defaultPeriod, timeout: Int = defaultTimeout,
        threshold: Int = defaultThreshold, initialDelay: Int = 0
    ) {
        self.type = type
        self.probe = probe
        self.period = period
        self.timeout = timeout
        self.threshold = threshold
        self.initialDelay = initialDelay
    }

    /// What it probes: `GET /live → 200` or `command ./alive`.
    public var target: String {
        switch probe {
        case .http(let check): "GET \(check.path) → \(check.status)" + (check.content.map { " \"\($0)\"" } ?? "")
        case .command(let argv): "command " + argv.map { Quoting.printable($0, limit: 80) }.joined(separator: " ")
        }
    }

    /// One line for the deploy and `checks report`.
    public var summary: String {
        "\(type) liveness: \(target) every \(period) s (timeout \(timeout) s"
            + (initialDelay > 0 ? ", first after \(initialDelay) s" : "")
            + "), restart after \(threshold) failure\(threshold == 1 ? "" : "s") in a row"
    }
}
