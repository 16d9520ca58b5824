import DokuenCore

/// What dokuend wants for one app, read from SQLite: its current release and, per process type of that release,
/// a count, a stopped flag and the slots stopped on their own. During a cutover, `release` is the candidate and
/// `serving` the release that still takes traffic until routing has switched.
public struct DesiredApp: Equatable, Sendable {
    public var app: AppName
    /// The current release; nil before the first successful deploy, when nothing runs.
    public var release: ReleaseID?
    /// The current release's formation. A type missing here (dropped by the release) runs nothing.
    public var processes: [ProcessType: DesiredProcess]
    /// While a candidate starts: the release whose instances keep serving, so they are not stopped when the
    /// candidate's come up (rule 2 waits for the switch). Nil outside a cutover.
    public var serving: ReleaseID?

    public init(
        app: AppName, release: ReleaseID?, processes: [ProcessType: DesiredProcess] = [:], serving: ReleaseID? = nil
    ) {
        self.app = app
        self.release = release
        self.processes = processes
        self.serving = serving
    }
}
