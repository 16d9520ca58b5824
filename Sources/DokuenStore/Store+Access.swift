import DokuenCore

/// `dokuen access`: an app's address rules and basic-auth users, as stored (validated above the store; the
/// schema's CHECKs repeat the shape).
public struct AccessRecord: Equatable, Sendable {
    /// CIDRs, in the order they were added.
    public var allow: [String]
    public var deny: [String]
    /// Basic-auth users with their hashes, by user.
    public var users: [(user: String, hash: String)]

    public init(allow: [String] = [], deny: [String] = [], users: [(user: String, hash: String)] = []) {
        self.allow = allow
        self.deny = deny
        self.users = users
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.allow == rhs.allow && lhs.deny == rhs.deny && lhs.users.map(\.user) == rhs.users.map(\.user)
            && lhs.users.map(\.hash) == rhs.users.map(\.hash)
    }
}

extension Store {
    /// Adds `cidrs` (canonical text) as `allow` or `deny` rules of `app`; a network that had the other rule
    /// changes to this one. One event (`access.allow`, `access.deny`) names them.
    public func addAccessRules(app: AppName, allow: Bool, cidrs: [String], actor: String) throws(StoreError) {
        let now = clock()
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            for cidr in cidrs {
                try database.run(
                    """
                    INSERT INTO app_access (app_id, rule, cidr, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (app_id, cidr) DO UPDATE SET rule = excluded.rule
                    """, [.integer(appID), .text(allow ? "allow" : "deny"), .text(cidr), .integer(now)])
            }
            try recordEvent(
                actor: actor, app: app, action: allow ? "access.allow" : "access.deny",
                detail: cidrs.joined(separator: " "))
        }
    }

    /// Sets `user`'s basic-auth hash on `app` (a new user, or a new password). The event names the user only.
    public func setBasicAuth(app: AppName, user: String, hash: String, actor: String) throws(StoreError) {
        let now = clock()
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            try database.run(
                """
                INSERT INTO app_basic_auth (app_id, user, hash, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (app_id, user) DO UPDATE SET hash = excluded.hash
                """, [.integer(appID), .text(user), .text(hash), .integer(now)])
            try recordEvent(actor: actor, app: app, action: "access.basic-auth", detail: user)
        }
    }

    /// Removes every rule and user of `app`: it is open to all again. Returns whether there was any.
    @discardableResult
    public func clearAccess(app: AppName, actor: String) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) in
            let appID = try appID(app)
            let rules = try database.run("DELETE FROM app_access WHERE app_id = ?", [.integer(appID)])
            let users = try database.run("DELETE FROM app_basic_auth WHERE app_id = ?", [.integer(appID)])
            guard rules + users > 0 else { return false }
            try recordEvent(actor: actor, app: app, action: "access.clear", detail: "")
            return true
        }
    }

    /// `app`'s rules and users.
    public func access(app: AppName) throws(StoreError) -> AccessRecord {
        let appID = try appID(app)
        var record = AccessRecord()
        for row in try database.query(
            "SELECT rule, cidr FROM app_access WHERE app_id = ? ORDER BY created_at, rowid", [.integer(appID)])
        {
            let cidr = try row.text("cidr")
            if try row.text("rule") == "allow" { record.allow.append(cidr) } else { record.deny.append(cidr) }
        }
        record.users = try database.query(
            "SELECT user, hash FROM app_basic_auth WHERE app_id = ? ORDER BY user", [.integer(appID)]
        ).map { (row) throws(StoreError) in (user: try row.text("user"), hash: try row.text("hash")) }
        return record
    }
}
