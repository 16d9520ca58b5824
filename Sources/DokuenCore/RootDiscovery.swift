/// Where the Dokuen root directory is (docs/DESIGN.md §2 and §3). Pure: the caller passes in the environment.
public enum RootDiscovery {
    public static let systemRoot = "/var/lib/dokuen"

    /// The daemon's root: `--root`, else `DOKUEN_ROOT`, else `/var/lib/dokuen` as root, else
    /// `~/.local/share/dokuen`.
    public static func daemonRoot(flag: String?, environment: [String: String], isRoot: Bool) throws(CoreError)
        -> String
    {
        if let explicit = try explicitRoot(flag: flag, environment: environment) { return explicit }
        if isRoot { return systemRoot }
        return try userRoot(environment: environment)
    }

    /// The client's root: `--root`, else `DOKUEN_ROOT`, else `~/.local/share/dokuen` if a daemon socket is
    /// there, else `/var/lib/dokuen`.
    public static func clientRoot(
        flag: String?, environment: [String: String], socketExists: (String) -> Bool
    ) throws(CoreError) -> String {
        if let explicit = try explicitRoot(flag: flag, environment: environment) { return explicit }
        if let user = try? userRoot(environment: environment), socketExists(RootLayout(root: user).socket) {
            return user
        }
        return systemRoot
    }

    private static func explicitRoot(flag: String?, environment: [String: String]) throws(CoreError) -> String? {
        for (source, value) in [("--root", flag), ("DOKUEN_ROOT", environment["DOKUEN_ROOT"])] {
            guard let value, !value.isEmpty else { continue }
            guard value.hasPrefix("/") else {
                throw .invalidRoot(reason: "\(source) must be an absolute path, got \(Quoting.quoted(value))")
            }
            return normalized(value)
        }
        return nil
    }

    private static func userRoot(environment: [String: String]) throws(CoreError) -> String {
        guard let home = environment["HOME"], home.hasPrefix("/") else {
            throw .invalidRoot(reason: "HOME is not set to an absolute path; pass --root or set DOKUEN_ROOT")
        }
        return normalized(home) + "/.local/share/dokuen"
    }

    private static func normalized(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}
