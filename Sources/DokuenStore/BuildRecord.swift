import DokuenCore

/// A row of `builds` with its process types: a compiled build directory, `apps/<app>/releases/<stamp>/`.
/// A build is never moved or copied once compiled (docs/DESIGN.md §2); releases refer to it.
public struct BuildRecord: Equatable, Sendable {
    public let id: Int64
    public let app: AppName
    /// The build directory's name.
    public let stamp: BuildStamp
    /// The buildpack that compiled it, when one did.
    public let buildpack: String?
    /// The git commit it was built from (lowercase hex), when it came from git.
    public let commit: String?
    /// The process types and commands from the Procfile and the buildpack's `default_process_types`.
    public let processes: [ProcessType: String]
    /// The buildpacks' `config_vars`: defaults below the app's own env.
    public let configVars: [EnvKey: String]
    /// The directory nginx serves with no process (a Procfile's `static:`), when there is one.
    public let staticRoot: StaticRoot?
    /// Unix seconds.
    public let createdAt: Int64

    public init(
        id: Int64, app: AppName, stamp: BuildStamp, buildpack: String?, commit: String?,
        processes: [ProcessType: String], configVars: [EnvKey: String] = [:], staticRoot: StaticRoot? = nil,
        createdAt: Int64
    ) {
        self.id = id
        self.app = app
        self.stamp = stamp
        self.buildpack = buildpack
        self.commit = commit
        self.processes = processes
        self.configVars = configVars
        self.staticRoot = staticRoot
        self.createdAt = createdAt
    }
}
