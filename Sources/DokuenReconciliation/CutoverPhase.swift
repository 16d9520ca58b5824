/// Where a cutover is, as the store records it before each step (docs/FAULTS.md lists them): a restarted dokuend
/// reads it to finish the cutover or roll it back. The raw values are the store's; never rename one.
public enum CutoverPhase: String, CaseIterable, Equatable, Sendable {
    /// A deploy's build runs: unpack, compile, the release command. Its directory is recorded with it.
    case building
    /// The build is recorded; nothing of it runs yet.
    case built
    /// The candidate's instances start (after the serving ones stopped, when zero-downtime is off).
    case starting
    /// The web instances' port and HTTP checks run.
    case checking
    /// nginx is switching to the candidate.
    case routing
    /// The release is being recorded. Whether it was is the store's to say: the latest release is the candidate's.
    case recording
    /// The release is recorded: it serves from now on, whatever happens; the links switch.
    case recorded
    /// The instances of the release before it stop.
    case stoppingOld = "stopping-old"
    /// Old releases are forgotten and builds no kept release uses are removed.
    case pruning
    /// The cutover succeeded.
    case done
    /// The cutover failed before its release was recorded; its candidate is withdrawn and what served keeps serving.
    case withdrawn

    /// Whether the release is recorded by this phase, so that the cutover can only end as a success.
    public var isRecorded: Bool {
        switch self {
        case .recorded, .stoppingOld, .pruning, .done: true
        case .building, .built, .starting, .checking, .routing, .recording, .withdrawn: false
        }
    }

    /// What the cutover was doing in this phase, for messages ("… while starting the candidate").
    public var doing: String {
        switch self {
        case .building: "building"
        case .built: "about to start the candidate"
        case .starting: "starting the candidate"
        case .checking: "checking the candidate"
        case .routing: "routing to the candidate"
        case .recording: "recording the release"
        case .recorded: "switching to the release"
        case .stoppingOld: "stopping the release before it"
        case .pruning: "pruning old releases"
        case .done: "finishing"
        case .withdrawn: "withdrawing the candidate"
        }
    }
}
