import DokuenCore

extension Store {
    /// The default port range of docs/DESIGN.md §2.
    public static let defaultPortRange: ClosedRange<Int> = 5000...5999

    /// Leases the lowest port of `range` that is neither leased nor in `busy` (ports other programs listen on) to
    /// the instance (app, type, index, release). When the instance already holds a lease, that lease is returned
    /// unchanged: a restarted dokuend re-adopting its instances asks again. Fails with `portsExhausted` when no
    /// port of the range is left.
    @discardableResult
    public func leasePort(
        app: AppName, type: ProcessType, index: Int, release: ReleaseID, range: ClosedRange<Int> = defaultPortRange,
        busy: Set<Int> = [], actor: String
    ) throws(StoreError) -> PortLease {
        try leasePorts(app: app, [(type, index, release)], range: range, busy: busy, actor: actor)[0]
    }

    /// `leasePort` for each of `instances` of `app`, in one transaction (a fleet's starts write once, not once per
    /// instance): the leases in the same order, each instance's held one unchanged. All or none: when the range
    /// runs out, no lease of the batch is taken.
    public func leasePorts(
        app: AppName, _ instances: [(type: ProcessType, index: Int, release: ReleaseID)],
        range: ClosedRange<Int> = defaultPortRange, busy: Set<Int> = [], actor: String
    ) throws(StoreError) -> [PortLease] {
        guard range.lowerBound >= 1, range.upperBound <= 65_535 else { throw .invalidPortRange(range) }
        guard !instances.isEmpty else { return [] }
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            var held: [String: PortLease] = [:]
            for lease in try portLeases(where: "WHERE l.app_id = ?", [.integer(appID)]) {
                held[lease.instance] = lease
            }
            // A range holds at most 65535 ports: walking it in memory is cheaper than teaching SQL about `busy`.
            var leased: Set<Int> = []
            for row in try database.query(
                "SELECT port FROM port_leases WHERE port BETWEEN ? AND ?",
                [.int(range.lowerBound), .int(range.upperBound)])
            {
                leased.insert(try row.int("port"))
            }
            // An add-on's server listens on a port of the same range for as long as it exists (docs/ADDONS.md).
            for row in try database.query("SELECT port FROM addons", []) { leased.insert(try row.int("port")) }
            var next = range.lowerBound
            var result: [PortLease] = []
            for (type, index, release) in instances {
                let wanted = PortLease(port: 0, app: app, type: type, index: index, release: release, leasedAt: now)
                if let lease = held[wanted.instance] {
                    result.append(lease)
                    continue
                }
                while next <= range.upperBound && (leased.contains(next) || busy.contains(next)) { next += 1 }
                guard next <= range.upperBound else { throw .portsExhausted(instance: wanted.instance, range: range) }
                let port = next
                leased.insert(port)
                try database.run(
                    "INSERT INTO port_leases (port, app_id, type, idx, release, leased_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .int(port), .integer(appID), .text(type.rawValue), .int(index), .int(release.number),
                        .integer(now),
                    ]
                )
                try recordEvent(actor: actor, app: app, action: "port.lease", detail: "\(port) \(wanted.instance)")
                let lease = PortLease(port: port, app: app, type: type, index: index, release: release, leasedAt: now)
                held[lease.instance] = lease
                result.append(lease)
            }
            return result
        }
    }

    /// Ends the lease of `port`. Returns false when it was not leased, so a cleanup that runs twice (after a
    /// crash, say) is not an error.
    @discardableResult
    public func releasePort(_ port: Int, actor: String) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) in
            guard let lease = try portLeases(where: "WHERE l.port = ?", [.int(port)]).first else { return false }
            try database.run("DELETE FROM port_leases WHERE port = ?", [.int(port)])
            try recordEvent(actor: actor, app: lease.app, action: "port.release", detail: "\(port) \(lease.instance)")
            return true
        }
    }

    /// Every port lease, or those of `app`, by port.
    public func portLeases(app: AppName? = nil) throws(StoreError) -> [PortLease] {
        guard let app else { return try portLeases(where: "", []) }
        return try portLeases(where: "WHERE l.app_id = ?", [.integer(try appID(app))])
    }

    private func portLeases(where filter: String, _ values: [SQLValue]) throws(StoreError) -> [PortLease] {
        try database.query(
            """
            SELECT l.port, a.name AS app, l.type, l.idx, l.release, l.leased_at
            FROM port_leases l JOIN apps a ON a.id = l.app_id \(filter) ORDER BY l.port
            """, values
        ).map { (row) throws(StoreError) in try PortLease(row: row) }
    }
}
