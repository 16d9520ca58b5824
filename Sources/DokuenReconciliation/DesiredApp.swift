import DokuenCore

/// What dokuend wants for one app, read from SQLite: its current release and, per process type of that release,
/// a count, a stopped flag and
/// the slots stopped on their own.
public struct DesiredApp: Equatable, Sendable {
    public var app: AppName
    /// The current release; nil before the first successful deploy, when nothing runs.
    public var release: ReleaseID?
    /// The current release's formation. A type missing here (dropped by the release) runs nothing.
    public var processes: [ProcessType: DesiredProcess]

    public init(app: AppName, release: ReleaseID?, processes: [ProcessType: DesiredProcess] = [:]) {
        self.app = app
        self.release = release
        self.processes = processes
    }
}
