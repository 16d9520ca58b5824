public import DokuenPosix

/// One program for `StepRunner`: what runs, with exactly which environment, where, as whom, and for how long.
public struct BuildStep: Sendable {
    /// Names the step in errors: `the python buildpack's compile`.
    public var label: String
    /// An absolute path; nothing is looked up on PATH.
    public var executable: String
    public var arguments: [String]
    /// The whole environment of the program: nothing is inherited from dokuend.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// The user to switch to before exec; nil runs as dokuend's own user.
    public var user: ChildProcess.Credentials?
    /// After this long the group gets SIGTERM, then SIGKILL after `grace`; nil: no limit.
    public var timeout: Duration?
    public var grace: Duration
    /// The program (and its keeper) get SIGKILL when the thread that runs the step ends, dokuend's death included
    /// (PR_SET_PDEATHSIG): a restic run of a backup never outlives the daemon (docs/BACKUP.md).
    public var dieWithParent = false
    /// A file the program reads as its standard input (an alert's e-mail for sendmail); nil: /dev/null.
    public var standardInput: String?

    public init(
        label: String, executable: String, arguments: [String] = [], environment: [String: String],
        workingDirectory: String? = nil, user: ChildProcess.Credentials? = nil, timeout: Duration? = nil,
        grace: Duration = .seconds(10)
    ) {
        self.label = label
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.timeout = timeout
        self.grace = grace
    }
}
