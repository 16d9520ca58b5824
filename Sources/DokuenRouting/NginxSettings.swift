import DokuenPosix

/// How the installer reaches nginx (docs/DESIGN.md §3): the directory of generated files, the binary, the arguments
/// that make it read the right configuration, and the reload command. Every command is an argv, never a shell
/// string, and its program is an absolute path.
public struct NginxSettings: Hashable, Sendable {
    /// `<root>/nginx`, the directory the user's `include <root>/nginx/*.conf;` reads.
    public var directory: String
    /// The nginx binary, absolute.
    public var binary: String
    /// Arguments placed before `-t` (and before `-s reload` in the default reload command), e.g.
    /// `["-p", prefix, "-c", prefix + "/nginx.conf"]` for an nginx that does not use its built-in configuration.
    public var configArguments: [String]
    /// The argv that makes nginx load the new files; by default `nginx [configArguments] -s reload`.
    public var reloadCommand: [String]
    /// How long `nginx -t` or the reload may take before it is killed.
    public var timeoutMilliseconds: Int32

    public init(
        directory: String, binary: String, configArguments: [String] = [], reloadCommand: [String]? = nil,
        timeoutMilliseconds: Int32 = 30_000
    ) {
        self.directory = directory
        self.binary = binary
        self.configArguments = configArguments
        self.reloadCommand = reloadCommand ?? [binary] + configArguments + ["-s", "reload"]
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The argv of the test: `-t` checks the whole configuration, `-q` keeps only its errors and warnings.
    public var testCommand: [String] { [binary] + configArguments + ["-t", "-q"] }

    /// Directories searched after `PATH`: nginx lives in an `sbin`, which an ordinary user's PATH often lacks.
    public static let fallbackDirectories = [
        "/usr/sbin", "/usr/local/sbin", "/sbin", "/opt/homebrew/bin", "/usr/local/bin",
    ]

    /// The first executable called `nginx` in `searchPath` (a `PATH` value) or the fallback directories; nil
    /// when there is none, and then routing is off: apps are reached on their ports.
    public static func findBinary(searchPath: String?) -> String? {
        let directories = (searchPath ?? "").split(separator: ":").map(String.init) + fallbackDirectories
        for directory in directories where directory.hasPrefix("/") {
            let candidate = directory + "/nginx"
            // A symlink is taken on trust: spawning it reports a dangling one.
            guard let info = try? Posix.lstat(candidate) else { continue }
            if info.kind == .symlink || (info.kind == .regular && info.permissions & 0o111 != 0) { return candidate }
        }
        return nil
    }
}
