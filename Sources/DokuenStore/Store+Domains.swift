import DokuenCore

extension Store {
    /// Routes `hostname` (compared without case, stored lowercase) to `app`. Fails with `domainExists` when
    /// any app already has it.
    @discardableResult
    public func addDomain(_ hostname: String, app: AppName, actor: String) throws(StoreError) -> DomainRecord {
        let hostname = hostname.lowercased()
        if let reason = DomainRecord.rejection(of: hostname) { throw .invalidHostname(hostname, reason: reason) }
        let now = clock()
        return try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            do throws(StoreError) {
                try database.run(
                    "INSERT INTO domains (app_id, hostname, created_at) VALUES (?, ?, ?)",
                    [.integer(appID), .text(hostname), .integer(now)])
            } catch .sql(let failure) where failure.isUniqueViolation {
                throw .domainExists(hostname)
            }
            let domain = DomainRecord(id: database.lastInsertRowID, app: app, hostname: hostname, createdAt: now)
            try recordEvent(actor: actor, app: app, action: "domain.add", detail: hostname)
            return domain
        }
    }

    /// Stops routing `hostname`. Fails with `domainNotFound` when no app has it.
    public func removeDomain(_ hostname: String, actor: String) throws(StoreError) {
        let hostname = hostname.lowercased()
        try database.transaction { () throws(StoreError) in
            guard let domain = try domains(where: "WHERE d.hostname = ?", [.text(hostname)]).first else {
                throw .domainNotFound(hostname)
            }
            try database.run("DELETE FROM domains WHERE id = ?", [.integer(domain.id)])
            try recordEvent(actor: actor, app: domain.app, action: "domain.remove", detail: hostname)
        }
    }

    /// Every domain, or those of `app`, by hostname.
    public func domains(app: AppName? = nil) throws(StoreError) -> [DomainRecord] {
        guard let app else { return try domains(where: "", []) }
        return try domains(where: "WHERE d.app_id = ?", [.integer(try appID(app))])
    }

    private func domains(where filter: String, _ values: [SQLValue]) throws(StoreError) -> [DomainRecord] {
        try database.query(
            """
            SELECT d.id, a.name AS app, d.hostname, d.created_at
            FROM domains d JOIN apps a ON a.id = d.app_id \(filter) ORDER BY d.hostname
            """, values
        ).map { (row) throws(StoreError) in try DomainRecord(row: row) }
    }
}
