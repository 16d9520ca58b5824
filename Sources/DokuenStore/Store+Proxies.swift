import DokuenCore

/// A row of `proxies`: a host name nginx routes to an address Dokuen does not run (`dokuen proxies add`).
public struct ProxyRecord: Equatable, Sendable {
    public let name: AppName
    /// The validated upstream URL, as nginx gets it.
    public let upstream: String
    public let hostname: String
    public let createdAt: Int64
}

extension Store {
    /// Adds a proxy. Fails with `proxyExists` when the name or the host name is taken by a proxy.
    @discardableResult
    public func addProxy(_ name: AppName, upstream: String, hostname: String, actor: String) throws(StoreError)
        -> ProxyRecord
    {
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            do throws(StoreError) {
                try database.run(
                    "INSERT INTO proxies (name, upstream, hostname, created_at) VALUES (?, ?, ?, ?)",
                    [.text(name.rawValue), .text(upstream), .text(hostname), .integer(now)])
            } catch .sql(let failure) where failure.isUniqueViolation {
                throw .proxyExists(name)
            }
            try recordEvent(actor: actor, app: nil, action: "proxy.add", detail: "\(name) \(hostname) \(upstream)")
            return ProxyRecord(name: name, upstream: upstream, hostname: hostname, createdAt: now)
        }
    }

    /// Removes a proxy. Fails with `proxyNotFound`.
    public func removeProxy(_ name: AppName, actor: String) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            let removed = try database.run("DELETE FROM proxies WHERE name = ?", [.text(name.rawValue)])
            guard removed > 0 else { throw .proxyNotFound(name) }
            try recordEvent(actor: actor, app: nil, action: "proxy.remove", detail: name.rawValue)
        }
    }

    /// Every proxy, by name.
    public func proxies() throws(StoreError) -> [ProxyRecord] {
        try database.query("SELECT name, upstream, hostname, created_at FROM proxies ORDER BY name").map {
            (row) throws(StoreError) in
            ProxyRecord(
                name: try row.appName("name"), upstream: try row.text("upstream"), hostname: try row.text("hostname"),
                createdAt: try row.int64("created_at"))
        }
    }

    /// The proxy called `name`, or nil.
    public func proxy(named name: AppName) throws(StoreError) -> ProxyRecord? {
        try proxies().first { $0.name == name }
    }
}
