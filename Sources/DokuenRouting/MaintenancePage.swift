/// What an app in maintenance (`dokuen maintenance on APP`) answers, always with status 503: its processes keep
/// running, and nginx stops sending them requests.
public enum MaintenancePage: Hashable, Sendable {
    /// The build's own `maintenance.html`, as `directory/maintenance.html`: a copy dokuend keeps where nginx's
    /// workers may read it (they cannot read an app's build). nginx follows no symlink after `directory`.
    case file(directory: ConfigPath)
    /// A plain page of ours, naming the app.
    case builtin

    /// The file a build provides, at its top.
    public static let fileName = "maintenance.html"
}
