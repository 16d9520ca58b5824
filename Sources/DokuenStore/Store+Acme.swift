import DokuenCore

/// One automatic certificate (docs/CERTS.md): an app's, or (app nil) the base domain's wildcard.
public struct AcmeRecord: Equatable, Sendable {
    public var app: AppName?
    /// `http-01` or `dns-01`.
    public var challenge: String
    /// Failed attempts in a row (0 after a success).
    public var failures: Int
    public var lastAttemptAt: Int64?
    public var lastSuccessAt: Int64?
    public var lastError: String?
    public var nextAttemptAt: Int64?
    public var createdAt: Int64
}

extension Store {
    private static let acmeColumns = """
        a.name AS app, c.challenge, c.failures, c.last_attempt_at, c.last_success_at, c.last_error,
        c.next_attempt_at, c.created_at
        FROM acme_certificates c LEFT JOIN apps a ON a.id = c.app_id
        """

    private func acmeRecord(_ row: Row) throws(StoreError) -> AcmeRecord {
        AcmeRecord(
            app: try row.optionalAppName("app"), challenge: try row.text("challenge"),
            failures: try row.int("failures"),
            lastAttemptAt: try row.optionalInt64("last_attempt_at"),
            lastSuccessAt: try row.optionalInt64("last_success_at"), lastError: try row.optionalText("last_error"),
            nextAttemptAt: try row.optionalInt64("next_attempt_at"), createdAt: try row.int64("created_at"))
    }

    /// Every automatic certificate, apps by name, the wildcard first.
    public func acmeCertificates() throws(StoreError) -> [AcmeRecord] {
        try database.query("SELECT \(Self.acmeColumns) ORDER BY coalesce(a.name, '')").map {
            (row) throws(StoreError) in try acmeRecord(row)
        }
    }

    /// `app`'s automatic certificate (nil: the wildcard's), if it has one.
    public func acmeCertificate(app: AppName?) throws(StoreError) -> AcmeRecord? {
        if let app {
            let id = try appID(app)
            return try database.query("SELECT \(Self.acmeColumns) WHERE c.app_id = ?", [.integer(id)]).first.map {
                (row) throws(StoreError) in try acmeRecord(row)
            }
        }
        return try database.query("SELECT \(Self.acmeColumns) WHERE c.app_id IS NULL").first.map {
            (row) throws(StoreError) in try acmeRecord(row)
        }
    }

    /// Turns automatic certificates on for `app` (nil: the wildcard) with `challenge`, due at once; a change of
    /// challenge keeps the history but makes it due at once too. One `certs.auto` event.
    public func setAcme(app: AppName?, challenge: String, actor: String) throws(StoreError) {
        let now = clock()
        try database.transaction { () throws(StoreError) in
            var id = SQLValue.null
            if let app { id = .integer(try appID(app)) }
            try database.run(
                """
                INSERT INTO acme_certificates (app_id, challenge, next_attempt_at, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (coalesce(app_id, 0)) DO UPDATE SET challenge = excluded.challenge, failures = 0,
                    next_attempt_at = excluded.next_attempt_at
                """, [id, .text(challenge), .integer(now), .integer(now)])
            try recordEvent(
                actor: actor, app: app, action: "certs.auto", detail: (app == nil ? "wildcard, " : "") + challenge)
        }
    }

    /// Stops renewing `app`'s certificate (nil: the wildcard's); the files stay. Returns whether it was automatic.
    @discardableResult
    public func clearAcme(app: AppName?, actor: String) throws(StoreError) -> Bool {
        try database.transaction { () throws(StoreError) in
            let changed: Int
            if let app {
                changed = try database.run("DELETE FROM acme_certificates WHERE app_id = ?", [.integer(try appID(app))])
            } else {
                changed = try database.run("DELETE FROM acme_certificates WHERE app_id IS NULL")
            }
            if changed > 0 {
                try recordEvent(
                    actor: actor, app: app, action: "certs.auto", detail: (app == nil ? "wildcard, " : "") + "off")
            }
            return changed > 0
        }
    }

    /// Records one attempt at `at`: a success (`error` nil: `action` is `certs.issued` or `certs.renewed`, `detail`
    /// says what was installed) resets the failures, a failure adds one and keeps its line; either way the next
    /// attempt is `next`. A row removed meanwhile (`certs auto --off`) is left alone; the event is written anyway.
    public func recordAcmeAttempt(
        app: AppName?, at: Int64, error: String?, next: Int64, action: String, detail: String, actor: String
    ) throws(StoreError) {
        try database.transaction { () throws(StoreError) in
            var id = SQLValue.null
            if let app { id = .integer(try appID(app)) }
            let filter = app == nil ? "app_id IS NULL" : "app_id = ?"
            let arguments: [SQLValue] = app == nil ? [] : [id]
            if let error {
                try database.run(
                    """
                    UPDATE acme_certificates SET failures = failures + 1, last_attempt_at = ?, last_error = ?,
                        next_attempt_at = ? WHERE \(filter)
                    """, [.integer(at), .text(String(error.prefix(2000))), .integer(next)] + arguments)
            } else {
                try database.run(
                    """
                    UPDATE acme_certificates SET failures = 0, last_attempt_at = ?, last_success_at = ?,
                        last_error = NULL, next_attempt_at = ? WHERE \(filter)
                    """, [.integer(at), .integer(at), .integer(next)] + arguments)
            }
            try recordEvent(actor: actor, app: app, action: action, detail: detail)
        }
    }
}
