import DokuenCore
import DokuenStore

/// A release being cut over to (DESIGN.md §2, deploy steps 5–7). Its instances start beside the serving ones and
/// it becomes release vN only once they are all RUNNING: vN counts successful releases, so a candidate that fails
/// leaves no release behind, and its number is used again by the next one.
public struct Candidate: Sendable {
    public let release: ReleaseID
    public let build: BuildRecord
    public let env: [EnvKey: String]
    public let formation: Formation

    public init(release: ReleaseID, build: BuildRecord, env: [EnvKey: String], formation: Formation) {
        self.release = release
        self.build = build
        self.env = env
        self.formation = formation
    }
}
