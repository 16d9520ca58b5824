import DokuenCore

/// A row of `port_leases`: the port of one instance (app, type, index, release). A port is leased to at most
/// one instance (docs/DESIGN.md invariant 5); during a cutover the old and new instances of a slot hold two ports.
public struct PortLease: Equatable, Sendable {
    public let port: Int
    public let app: AppName
    public let type: ProcessType
    /// The instance's number within its type, from 1: the `2` of `web.2`.
    public let index: Int
    public let release: ReleaseID
    /// Unix seconds.
    public let leasedAt: Int64

    public init(port: Int, app: AppName, type: ProcessType, index: Int, release: ReleaseID, leasedAt: Int64) {
        self.port = port
        self.app = app
        self.type = type
        self.index = index
        self.release = release
        self.leasedAt = leasedAt
    }

    /// `blog:web.1@v3`, the instance as docs/DESIGN.md names its service directory.
    public var instance: String { "\(app):\(type).\(index)@\(release)" }

    init(row: Row) throws(StoreError) {
        self.init(
            port: try row.int("port"), app: try row.appName("app"), type: try row.processType("type"),
            index: try row.int("idx"), release: try row.releaseID("release"), leasedAt: try row.int64("leased_at"))
    }
}
