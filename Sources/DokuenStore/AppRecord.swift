import DokuenCore

/// A row of `apps`: an app exists from `apps create` to `apps destroy`.
public struct AppRecord: Equatable, Sendable {
    public let id: Int64
    public let name: AppName
    /// Unix seconds.
    public let createdAt: Int64
    /// The branch pushes deploy; nil for the default (main, or master while the repository has no main).
    public let deployBranch: BranchName?

    public init(id: Int64, name: AppName, createdAt: Int64, deployBranch: BranchName? = nil) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.deployBranch = deployBranch
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
            deployBranch: branch)
    }
}
