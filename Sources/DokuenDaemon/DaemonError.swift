/// Failures of the daemon's own work, in the project's grammar.
public enum DaemonError: Error, Equatable, CustomStringConvertible {
    case shimDidNotStart(String, reason: String)
    case deployFailed(app: String, reason: String)
    case runFailed(app: String, reason: String)
    case noSuchProcess(String)
    case restartFailed(String, reason: String)
    case configReverted(app: String, reason: String)
    case notUp(release: String, reason: String)
    case rollbackRefused(app: String, reason: String)
    case repositoryFailed(app: String, reason: String)
    case appUser(app: String, reason: String)
    case privateNginx(reason: String)

    public var description: String {
        switch self {
        case .shimDidNotStart(let instance, let reason): "unable to start the shim of \(instance): \(reason)"
        case .deployFailed(let app, let reason): "unable to deploy \(app): \(reason)"
        case .runFailed(let app, let reason): "unable to run a command in \(app): \(reason)"
        case .noSuchProcess(let target): "unable to find a running instance for \(target)"
        case .restartFailed(let target, let reason): "unable to restart \(target): \(reason)"
        case .notUp(let release, let reason): "\(release) did not come up: \(reason)"
        case .rollbackRefused(let app, let reason): "unable to roll back \(app): \(reason)"
        case .repositoryFailed(let app, let reason): "unable to create the git repository of \(app): \(reason)"
        case .appUser(let app, let reason): "unable to set up the user of \(app): \(reason)"
        case .privateNginx(let reason): "unable to start the private nginx: \(reason)"
        case .configReverted(let app, let reason):
            "unable to change the config of \(app), so it was put back: \(reason)"
        }
    }
}
