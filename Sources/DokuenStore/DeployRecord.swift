import DokuenCore

/// A row of `deploys`: one attempt to build and release an app, whatever its end. A failed deploy is a
/// deploy, not a release (docs/DESIGN.md §2).
public struct DeployRecord: Equatable, Sendable {
    /// Where a deploy is: running until it finishes, then succeeded or failed, for good.
    public enum State: String, Equatable, Sendable {
        case running, succeeded, failed
    }

    /// How a deploy ended, as its runner reports it.
    public enum Outcome: Equatable, Sendable {
        /// The cutover completed and `release` serves traffic.
        case succeeded(release: ReleaseID)
        /// The deploy stopped at `error`; the old release still serves (docs/DESIGN.md invariant 1).
        case failed(error: String)
    }

    public let id: Int64
    public let app: AppName
    public let state: State
    /// What was deployed, e.g. `git push 1a2b3c4` or `directory /home/me/blog`.
    public let source: String
    /// The build it made, once it made one (nil again if the build is pruned).
    public let buildID: Int64?
    /// The release it made, when it succeeded (nil again if the release is pruned).
    public let release: ReleaseID?
    /// Why it failed; nil unless `state` is `failed`.
    public let error: String?
    public let startedBy: String
    /// Unix seconds.
    public let startedAt: Int64
    /// Unix seconds; nil while running.
    public let finishedAt: Int64?
    /// The cutover's phase (a raw `CutoverPhase`, docs/FAULTS.md), written before each of its steps; nil before
    /// the first.
    public let phase: String?
    /// The build directory the deploy makes (`releases/<stamp>`), from before its first file is unpacked; nil for a
    /// cutover that reuses a build (config changes, settings, rollbacks).
    public let buildStamp: BuildStamp?
    /// The release number the cutover makes, once it knows it.
    public let candidate: ReleaseID?

    public init(
        id: Int64, app: AppName, state: State, source: String, buildID: Int64?, release: ReleaseID?, error: String?,
        startedBy: String, startedAt: Int64, finishedAt: Int64?, phase: String? = nil, buildStamp: BuildStamp? = nil,
        candidate: ReleaseID? = nil
    ) {
        self.id = id
        self.app = app
        self.state = state
        self.source = source
        self.buildID = buildID
        self.release = release
        self.error = error
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.phase = phase
        self.buildStamp = buildStamp
        self.candidate = candidate
    }

    init(row: Row) throws(StoreError) {
        let stateText = try row.text("state")
        guard let state = State(rawValue: stateText) else {
            throw .invalidStoredValue(column: "state", value: "'\(stateText)'", reason: "not a deploy state")
        }
        self.init(
            id: try row.int64("id"), app: try row.appName("app"), state: state, source: try row.text("source"),
            buildID: try row.optionalInt64("build_id"), release: try row.optionalReleaseID("version"),
            error: try row.optionalText("error"), startedBy: try row.text("started_by"),
            startedAt: try row.int64("started_at"), finishedAt: try row.optionalInt64("finished_at"),
            phase: try row.optionalText("phase"),
            buildStamp: try row.optionalText("build_stamp") == nil ? nil : try row.buildStamp("build_stamp"),
            candidate: try row.optionalReleaseID("candidate_version"))
    }
}
