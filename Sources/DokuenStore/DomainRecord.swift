import DokuenCore

/// A row of `domains`: a hostname routed to an app by nginx, besides its default `<app>.<base domain>`.
public struct DomainRecord: Equatable, Sendable {
    public let id: Int64
    public let app: AppName
    /// Lowercase, 1 to 253 characters, dot-separated labels of `[a-z0-9-]`.
    public let hostname: String
    /// Unix seconds.
    public let createdAt: Int64

    public init(id: Int64, app: AppName, hostname: String, createdAt: Int64) {
        self.id = id
        self.app = app
        self.hostname = hostname
        self.createdAt = createdAt
    }

    init(row: Row) throws(StoreError) {
        self.init(
            id: try row.int64("id"), app: try row.appName("app"), hostname: try row.text("hostname"),
            createdAt: try row.int64("created_at"))
    }

    /// Why `hostname` (already lowercased) cannot be routed, or nil. The same rule as the table's CHECK, checked
    /// first so the user reads a reason rather than a constraint name. It goes into nginx's `server_name`, so
    /// nothing beyond DNS's letters, digits, `-` and `.` is let through (docs/DESIGN.md invariant 4).
    static func rejection(of hostname: String) -> String? {
        let bytes = Array(hostname.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > 253 { return "it is \(bytes.count) characters long; the limit is 253" }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."):
                continue
            default: return "only letters, digits, '-' and '.' are allowed"
            }
        }
        if bytes.first == UInt8(ascii: ".") || bytes.last == UInt8(ascii: ".") {
            return "it starts or ends with '.'"
        }
        if hostname.contains("..") { return "it has an empty label ('..')" }
        return nil
    }
}
