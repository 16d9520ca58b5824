/// The body of `POST /v1/restore` (`dokuen restore`, docs/BACKUP.md). `password` is the repository's password, read by
/// the CLI from `--password-file` and sent over the admin-only socket; nil: the daemon's own `--backup-password-file`,
/// when `repository` is the daemon's own repository or nil.
public struct RestoreRequest: Codable, Equatable, Sendable {
    public var repository: String?
    /// A snapshot id (or a unique prefix of one); nil: the latest snapshot tagged `dokuen`.
    public var snapshot: String?
    public var password: String?
    /// restic's `-o KEY=VALUE` options (`sftp.command=…`).
    public var options: [String]
    /// Only these apps (and the add-ons linked to them); nil: every app of the snapshot.
    public var apps: [String]?
    /// Restore into a root that already has apps or add-ons (never over one of the same name).
    public var force: Bool

    public init(
        repository: String? = nil, snapshot: String? = nil, password: String? = nil, options: [String] = [],
        apps: [String]? = nil, force: Bool = false
    ) {
        self.repository = repository
        self.snapshot = snapshot
        self.password = password
        self.options = options
        self.apps = apps
        self.force = force
    }
}

/// One restored app as a restore ends: its current release and where it answers.
public struct RestoredApp: Codable, Equatable, Sendable {
    public var name: String
    public var release: String?
    public var url: String?

    public init(name: String, release: String?, url: String?) {
        self.name = name
        self.release = release
        self.url = url
    }
}

/// One line of the NDJSON answer of `POST /v1/restore`: `{"line": …}` per step as it happens, then one
/// `{"restored": {…}}` (every restored app, serving) or `{"error": "<one line>"}`.
public struct RestoreEvent: Codable, Equatable, Sendable {
    public var line: String?
    public var restored: RestoreOutcome?
    public var error: String?

    public init(line: String? = nil, restored: RestoreOutcome? = nil, error: String? = nil) {
        self.line = line
        self.restored = restored
        self.error = error
    }
}

/// What a restore did: the snapshot it read and the apps and add-ons it made.
public struct RestoreOutcome: Codable, Equatable, Sendable {
    public var repository: String
    public var snapshot: String
    public var apps: [RestoredApp]
    public var addons: [String]

    public init(repository: String, snapshot: String, apps: [RestoredApp], addons: [String]) {
        self.repository = repository
        self.snapshot = snapshot
        self.apps = apps
        self.addons = addons
    }
}
