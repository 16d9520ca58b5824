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

    public init() {}
}
