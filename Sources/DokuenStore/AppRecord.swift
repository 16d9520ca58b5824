import DokuenCore

/// A row of `apps`: an app exists from `apps create` to `apps destroy`.
public struct AppRecord: Equatable, Sendable {
    public let id: Int64
    public let name: AppName
    /// Unix seconds.
    public let createdAt: Int64
    /// The branch pushes deploy; nil for the default (main, or master while the repository has no main).
    public let deployBranch: BranchName?
    /// Stopped as a whole (`dokuen stop APP`) and not started as a whole since: a type that a later release adds
    /// starts stopped too (docs/DESIGN.md §2, "Verbs during a deploy").
    public let stopped: Bool

    public init(id: Int64, name: AppName, createdAt: Int64, deployBranch: BranchName? = nil, stopped: Bool = false) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.deployBranch = deployBranch
        self.stopped = stopped
    }

    init(row: Row) throws(StoreError) {
        var branch: BranchName?
        if let text = try row.optionalText("deploy_branch") {
            do throws(CoreError) { branch = try BranchName(text) } catch {
                throw .invalidStoredValue(column: "apps.deploy_branch", value: text, reason: error.description)
            }
        }
        self.init(
            id: try row.int64("id"), name: try row.appName("name"), createdAt: try row.int64("created_at"),
            deployBranch: branch, stopped: try row.bool("stopped"))
    }
}
