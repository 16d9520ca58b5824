import DokuenCore
import DokuenPosix
import DokuenStore

/// A release being cut over to (docs/DESIGN.md §2, deploy steps 5–7). Its instances start beside the serving ones and
/// it becomes release vN only once they are all RUNNING: vN counts successful releases, so a candidate that fails
/// leaves no release behind, and its number is used again by the next one.
public struct Candidate: Sendable {
    public let release: ReleaseID
    public let build: BuildRecord
    public let env: [EnvKey: String]
    public let formation: Formation
    /// Whether the serving release's instances keep running beside the candidate's until the switch (the
    /// default), or stop as the candidate's start (zero-downtime off: `dokuen checks disable`).
    public let keepsServing: Bool
    /// The types whose count is the stored one, not `formation`'s: those the release before had too (a deploy's
    /// kept types, every type of a restart or a settings change). A `ps scale` while the cutover runs changes them
    /// at once, in the candidate as in what serves, and the release keeps the new count (docs/DESIGN.md §2, "Verbs
    /// during a deploy").
    public let followsStored: Set<ProcessType>
    /// When the release is made, in Unix seconds: its instances' `DOKUEN_RELEASE_CREATED_AT`, recorded with it.
    public let createdAt: Int64

    public init(
        release: ReleaseID, build: BuildRecord, env: [EnvKey: String], formation: Formation, keepsServing: Bool = true,
        followsStored: Set<ProcessType> = [], createdAt: Int64 = Posix.realtimeMicroseconds() / 1_000_000
    ) {
        self.createdAt = createdAt
        self.release = release
        self.build = build
        self.env = env
        self.formation = formation
        self.keepsServing = keepsServing
        self.followsStored = followsStored
    }
}
