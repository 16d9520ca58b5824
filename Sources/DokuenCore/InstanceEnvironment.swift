/// The environment of one process instance, docs/DESIGN.md §2, from low to high precedence:
/// 1. platform defaults: a clean `PATH`, `HOME` = the build directory, `BIND_ADDRESS` and `HOST` = 127.0.0.1,
///    `DOKUEN_APP`, `DOKUEN_DATA_DIR`;
/// 2. the buildpack's `config_vars`;
/// 3. the app's env;
/// 4. per instance: `PORT`, `DYNO` (`web.1`), and `<TYPE>_PORT` of every type that runs exactly one instance.
/// Nothing of dokuend's own environment leaks in (no `NOTIFY_SOCKET`, `WATCHDOG_*`, `LISTEN_*`).
public enum InstanceEnvironment {
    public static let defaultPath = "/usr/local/bin:/usr/bin:/bin"
    public static let bindAddress = "127.0.0.1"

    public static func make(
        instance: InstanceID, port: Int?, buildDirectory: String, dataDirectory: String,
        buildpackDefaults: [String: String], appEnvironment: [EnvKey: String],
        singleInstancePorts: [ProcessType: Int]
    ) -> [String: String] {
        var environment: [String: String] = [
            "PATH": defaultPath, "HOME": buildDirectory, "BIND_ADDRESS": bindAddress, "HOST": bindAddress,
            "DOKUEN_APP": instance.app.rawValue, "DOKUEN_DATA_DIR": dataDirectory,
        ]
        for (key, value) in buildpackDefaults where EnvKey.rejection(of: key) == nil { environment[key] = value }
        for (key, value) in appEnvironment { environment[key.rawValue] = value }
        for (type, typePort) in singleInstancePorts { environment[type.portVariable] = String(typePort) }
        environment["DYNO"] = instance.dyno
        if let port { environment["PORT"] = String(port) }
        return environment
    }
}
