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
    /// Adds `cidrs` (canonical text) as `allow` or `deny` rules of `app` (an app or a proxy); a network that had the other rule
    /// changes to this one. One event (`access.allow`, `access.deny`) names them.
    public func addAccessRules(app: AppName, allow: Bool, cidrs: [String], actor: String) throws(StoreError) {
        let now = clock()
        try database.transaction { () throws(StoreError) in
            let owner = try accessOwner(app)
            for cidr in cidrs {
                try database.run(
                    "DELETE FROM app_access WHERE \(owner.column) = ? AND cidr = ?", [.integer(owner.id), .text(cidr)])
                try database.run(
                    "INSERT INTO app_access (\(owner.column), rule, cidr, created_at) VALUES (?, ?, ?, ?)",
                    [.integer(owner.id), .text(allow ? "allow" : "deny"), .text(cidr), .integer(now)])
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
            let owner = try accessOwner(app)
            try database.run(
                "DELETE FROM app_basic_auth WHERE \(owner.column) = ? AND user = ?", [.integer(owner.id), .text(user)])
            try database.run(
                "INSERT INTO app_basic_auth (\(owner.column), user, hash, created_at) VALUES (?, ?, ?, ?)",
                [.integer(owner.id), .text(user), .text(hash), .integer(now)])
            try recordEvent(actor: actor, app: app, action: "access.basic-auth", detail: user)
        }
    }

    /// Removes every rule and user of `app`: it is open to all again. Returns whether there was any.
    @discardableResult
    public func clearAccess(app: AppName, actor: String) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) in
            let owner = try accessOwner(app)
            let rules = try database.run(
                "DELETE FROM app_access WHERE \(owner.column) = ?", [.integer(owner.id)])
            let users = try database.run(
                "DELETE FROM app_basic_auth WHERE \(owner.column) = ?", [.integer(owner.id)])
            guard rules + users > 0 else { return false }
            try recordEvent(actor: actor, app: app, action: "access.clear", detail: "")
            return true
        }
    }

    /// `app`'s rules and users.
    public func access(app: AppName) throws(StoreError) -> AccessRecord {
        let owner = try accessOwner(app)
        var record = AccessRecord()
        for row in try database.query(
            "SELECT rule, cidr FROM app_access WHERE \(owner.column) = ? ORDER BY created_at, rowid",
            [.integer(owner.id)])
        {
            let cidr = try row.text("cidr")
            if try row.text("rule") == "allow" { record.allow.append(cidr) } else { record.deny.append(cidr) }
        }
        record.users = try database.query(
            "SELECT user, hash FROM app_basic_auth WHERE \(owner.column) = ? ORDER BY user", [.integer(owner.id)]
        ).map { (row) throws(StoreError) in (user: try row.text("user"), hash: try row.text("hash")) }
        return record
    }

    /// Whose rules `name`'s are: the app's, else the proxy's (they share one namespace). The column is one of two
    /// fixed names, never user text. Fails with `appNotFound` when it is neither.
    private func accessOwner(_ name: AppName) throws(StoreError) -> (column: String, id: Int64) {
        if let row = try database.query("SELECT id FROM apps WHERE name = ?", [.text(name.rawValue)]).first {
            return ("app_id", try row.int64("id"))
        }
        if let row = try database.query("SELECT id FROM proxies WHERE name = ?", [.text(name.rawValue)]).first {
            return ("proxy_id", try row.int64("id"))
        }
        throw .appNotFound(name)
    }
}
