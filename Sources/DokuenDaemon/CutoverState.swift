import DokuenCore
import DokuenStore

/// What a cutover releases: a build, the env and formation of the release, and its summary.
struct CutoverInput: Sendable {
    let build: BuildRecord
    let env: [EnvKey: String]
    let formation: Formation
    let summary: String
    /// The types whose count stays the stored one (`Candidate.followsStored`): a `ps scale` during the cutover wins.
    var followsStored: Set<ProcessType> = []
}

/// Where a cutover's input comes from.
enum CutoverSource: Sendable {
    /// A build that exists (config changes, settings, rollbacks).
    case existing(CutoverInput)
    /// A deploy's own build, made in the cutover's `building` phase.
    case make(@Sendable () async throws -> CutoverInput)
    /// A cutover finished by a restarted dokuend: its release, if any, is recorded already.
    case recovered
}

/// What one cutover has learnt so far, carried from step to step by the shell around `CutoverMachine`.
struct CutoverState {
    let app: AppName
    let deploy: Int64
    /// The release number the cutover makes.
    let release: ReleaseID
    /// The release that served when it began, if any.
    var serving: ReleaseID?
    let actor: String
    var input: CutoverInput?
    /// The build this cutover made, to be discarded if it fails.
    var made: BuildRecord?
    /// The build directory recorded with the deploy (after a restart).
    var buildStamp: BuildStamp?
    var candidate: Candidate?
    var checks: (checks: [HealthCheck], source: String)?
    /// When the candidate's instances began to start: the boot timeout counts from here.
    var start: ContinuousClock.Instant?
    /// When the candidate was proposed, in Unix seconds: the release is recorded with it (`DOKUEN_RELEASE_CREATED_AT`).
    var createdAt: Int64?

    init(app: AppName, deploy: Int64, release: ReleaseID, serving: ReleaseID?, actor: String) {
        self.app = app
        self.deploy = deploy
        self.release = release
        self.serving = serving
        self.actor = actor
    }
}
