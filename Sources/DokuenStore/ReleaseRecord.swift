import DokuenCore

/// A release `vN` of an app: a build, an env snapshot and a formation (docs/DESIGN.md §2). A config change or a
/// rollback makes a new release that reuses an existing build.
///
/// `description` and `debugDescription` list the env keys but never the values, so printing a release into a
/// log cannot leak a secret.
public struct ReleaseRecord: Equatable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let id: ReleaseID
    public let app: AppName
    public let buildID: Int64
    /// The build directory's name, so a caller can find `apps/<app>/releases/<stamp>/` without a second query.
    public let buildStamp: BuildStamp
    /// The app's env as it was when the release was made.
    public let env: [EnvKey: String]
    /// The formation the release was made with, ordered by type.
    public let formation: Formation
    /// What made the release, e.g. `Deploy 1a2b3c4` or `Set DATABASE_URL`.
    public let summary: String
    public let createdBy: String
    /// Unix seconds.
    public let createdAt: Int64

    public init(
        id: ReleaseID, app: AppName, buildID: Int64, buildStamp: BuildStamp, env: [EnvKey: String],
        formation: Formation, summary: String, createdBy: String, createdAt: Int64
    ) {
        self.id = id
        self.app = app
        self.buildID = buildID
        self.buildStamp = buildStamp
        self.env = env
        self.formation = formation
        self.summary = summary
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public var description: String {
        let keys = env.keys.sorted().map(\.rawValue).joined(separator: " ")
        return "\(app) \(id) build \(buildID) (\(buildStamp)) env keys [\(keys)] formation [\(formation.description)]"
            + " by \(createdBy) at \(createdAt): \(summary)"
    }

    public var debugDescription: String { "ReleaseRecord(\(description))" }
}
