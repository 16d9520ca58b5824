import DokuenCore

/// A row of `apps`: an app exists from `apps create` to `apps destroy`.
public struct AppRecord: Equatable, Sendable {
    public let id: Int64
    public let name: AppName
    /// Unix seconds.
    public let createdAt: Int64

    public init(id: Int64, name: AppName, createdAt: Int64) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }

    init(row: Row) throws(StoreError) {
        self.init(id: try row.int64("id"), name: try row.appName("name"), createdAt: try row.int64("created_at"))
    }
}
