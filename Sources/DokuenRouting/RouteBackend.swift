/// What answers an app's requests.
public enum RouteBackend: Hashable, Sendable {
    /// The app's ready `web` instances on 127.0.0.1. With no port at all, nginx answers 503 itself: the app is
    /// scaled to zero, stopped or between deploys, and a 503 says so, where a proxy to nothing would say 502.
    case proxy(ports: [Port])
    /// A `static` app: nginx serves the build's files from `root`, a directory inside the build directory
    /// `trusted` (not through `current`, so that the cutover's switch is the reload that names the new build).
    /// nginx follows no symlink after `trusted`: not one below the root, and not the root itself, which the app's
    /// user owns and could replace with a symlink out of the build after its deploy was checked.
    case staticFiles(root: ConfigPath, trusted: ConfigPath)
    /// An address Dokuen does not run (`dokuen proxies add`): nginx proxies every request to it.
    case upstream(UpstreamURL)
}
