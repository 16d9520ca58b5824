/// The environment of one process instance, docs/DESIGN.md §2, from low to high precedence:
/// 1. platform defaults: a clean `PATH`, `HOME` = the build directory, `BIND_ADDRESS` and `HOST` = 127.0.0.1,
///    `DOKUEN_APP`, `DOKUEN_DATA_DIR`;
/// 2. the buildpack's `config_vars`;
/// 3. the app's env;
/// 4. per instance: `PORT`, `DYNO` (`web.1`), and `<TYPE>_PORT` of every type that runs exactly one instance;
///    its release's metadata: `DOKUEN_RELEASE` (`v3`), `DOKUEN_RELEASE_CREATED_AT` (`2026-12-04T15:58:58Z`) and
///    `SOURCE_VERSION` (the commit, when the build came from git).
/// Nothing of dokuend's own environment leaks in (no `NOTIFY_SOCKET`, `WATCHDOG_*`, `LISTEN_*`).
public enum InstanceEnvironment {
    /// What an instance knows of its release.
    public struct Release: Equatable, Sendable {
        public let id: ReleaseID
        /// Unix seconds.
        public let createdAt: Int64
        /// The commit of its build, when it came from git.
        public let commit: String?

        public init(id: ReleaseID, createdAt: Int64, commit: String?) {
            self.id = id
            self.createdAt = createdAt
            self.commit = commit
        }

        public var variables: [String: String] {
            var variables = ["DOKUEN_RELEASE": id.description, "DOKUEN_RELEASE_CREATED_AT": UTCTime.iso8601(createdAt)]
            if let commit { variables["SOURCE_VERSION"] = commit }
            return variables
        }
    }

    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"
    public static let bindAddress = "127.0.0.1"

    public static func make(
        instance: InstanceID, port: Int?, buildDirectory: String, dataDirectory: String,
        buildpackDefaults: [String: String], appEnvironment: [EnvKey: String],
        singleInstancePorts: [ProcessType: Int], release: Release? = nil
    ) -> [String: String] {
        var environment: [String: String] = [
            "PATH": defaultPath, "HOME": buildDirectory, "BIND_ADDRESS": bindAddress, "HOST": bindAddress,
            "DOKUEN_APP": instance.app.rawValue, "DOKUEN_DATA_DIR": dataDirectory,
        ]
        for (key, value) in buildpackDefaults where EnvKey.rejection(of: key) == nil { environment[key] = value }
        for (key, value) in appEnvironment { environment[key.rawValue] = value }
        for (type, typePort) in singleInstancePorts { environment[type.portVariable] = String(typePort) }
        environment["DYNO"] = instance.dyno
        for (key, value) in release?.variables ?? [:] { environment[key] = value }
        if let port { environment["PORT"] = String(port) }
        return environment
    }
}
