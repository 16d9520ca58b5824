/// `backup/manifest.json` of a snapshot, format 1 (docs/BACKUP.md, "The snapshot (format 1)"): the contract between
/// `dokuen backup create`, which writes it, and `dokuen restore`, which reads it first.
public struct BackupManifest: Codable, Equatable, Sendable {
    /// The version of this layout; a restore refuses a newer one.
    public var format: Int
    /// UTC, `2026-12-05T03:00:00Z`.
    public var createdAt: String
    public var dokuenVersion: String
    public var hostname: String
    /// The root the snapshot was taken from (paths in the snapshot are relative to it).
    public var root: String
    /// The store's migration version (`backup/dokuen.sqlite`).
    public var schemaVersion: Int
    public var withBuilds: Bool
    /// dokuend's command line after its name: recorded, never applied by a restore.
    public var daemonArguments: [String]
    public var apps: [App]
    public var addons: [Addon]

    public static let currentFormat = 1

    public init(
        format: Int = currentFormat, createdAt: String, dokuenVersion: String, hostname: String, root: String,
        schemaVersion: Int, withBuilds: Bool, daemonArguments: [String], apps: [App], addons: [Addon]
    ) {
        self.format = format
        self.createdAt = createdAt
        self.dokuenVersion = dokuenVersion
        self.hostname = hostname
        self.root = root
        self.schemaVersion = schemaVersion
        self.withBuilds = withBuilds
        self.daemonArguments = daemonArguments
        self.apps = apps
        self.addons = addons
    }

    /// An app: its current release's number and commit (nil for an app never released, or a release not built
    /// from git), and its SQLite databases copied to `backup/data/NAME/PATH` (PATH relative to its `data/`).
    public struct App: Codable, Equatable, Sendable {
        public var name: String
        public var release: Int?
        public var commit: String?
        public var sqliteCopies: [String]

        public init(name: String, release: Int?, commit: String?, sqliteCopies: [String]) {
            self.name = name
            self.release = release
            self.commit = commit
            self.sqliteCopies = sqliteCopies
        }

        /// Written with explicit nulls, as docs/BACKUP.md shows them.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(release, forKey: .release)
            try container.encode(commit, forKey: .commit)
            try container.encode(sqliteCopies, forKey: .sqliteCopies)
        }
    }

    /// An add-on and its dumps; `dumps` is empty when it was not running (no dump could be taken).
    public struct Addon: Codable, Equatable, Sendable {
        public var name: String
        public var kind: String
        public var version: String
        public var dumps: [Dump]

        public init(name: String, kind: String, version: String, dumps: [Dump]) {
            self.name = name
            self.kind = kind
            self.version = version
            self.dumps = dumps
        }
    }

    /// One dump: the PostgreSQL database it holds (the linked app's name; nil for Redis) and its path in the
    /// snapshot, relative to the root.
    public struct Dump: Codable, Equatable, Sendable {
        public var database: String?
        public var path: String

        public init(database: String?, path: String) {
            self.database = database
            self.path = path
        }
    }
}

/// How one `backup create` ended: restic's summary (`backup --json`) and the snapshot's id.
public struct BackupSummary: Codable, Equatable, Sendable {
    /// The full id (64 hex digits); `shortID` is its first 8.
    public var snapshotID: String
    public var shortID: String
    public var filesNew: Int64
    public var filesChanged: Int64
    public var filesUnmodified: Int64
    /// Bytes the repository grew by (after deduplication and compression).
    public var dataAdded: Int64
    /// The size of what the snapshot holds.
    public var totalBytes: Int64
    public var totalFiles: Int64
    public var durationSeconds: Double
    public var withBuilds: Bool
    /// Lines worth reading that did not stop the backup (an add-on that was not running, unreadable files).
    public var warnings: [String]

    public init(
        snapshotID: String, shortID: String, filesNew: Int64, filesChanged: Int64, filesUnmodified: Int64,
        dataAdded: Int64, totalBytes: Int64, totalFiles: Int64, durationSeconds: Double, withBuilds: Bool,
        warnings: [String]
    ) {
        self.snapshotID = snapshotID
        self.shortID = shortID
        self.filesNew = filesNew
        self.filesChanged = filesChanged
        self.filesUnmodified = filesUnmodified
        self.dataAdded = dataAdded
        self.totalBytes = totalBytes
        self.totalFiles = totalFiles
        self.durationSeconds = durationSeconds
        self.withBuilds = withBuilds
        self.warnings = warnings
    }
}

/// One line of `POST /v1/backups`'s NDJSON answer: progress (`line`), then `summary` or `error`; `{}` is a
/// keepalive.
public struct BackupEvent: Codable, Equatable, Sendable {
    public var line: String?
    public var summary: BackupSummary?
    public var error: String?

    public init(line: String? = nil, summary: BackupSummary? = nil, error: String? = nil) {
        self.line = line
        self.summary = summary
        self.error = error
    }
}

/// A snapshot of the repository, as `GET /v1/backups` lists it (oldest first, as restic does).
public struct BackupSnapshot: Codable, Equatable, Sendable {
    public var id: String
    public var shortID: String
    /// As restic wrote it: RFC 3339 in the taking machine's offset.
    public var time: String
    public var host: String
    public var tags: [String]
    /// From this daemon's record of the run that took it; nil for a snapshot it did not take.
    public var totalBytes: Int64?
    public var dataAdded: Int64?

    public init(
        id: String, shortID: String, time: String, host: String, tags: [String], totalBytes: Int64?, dataAdded: Int64?
    ) {
        self.id = id
        self.shortID = shortID
        self.time = time
        self.host = host
        self.tags = tags
        self.totalBytes = totalBytes
        self.dataAdded = dataAdded
    }
}

/// The keep rules of `backup forget` and of a schedule; 0 means the rule is off.
public struct BackupRetention: Codable, Equatable, Sendable {
    public var last: Int
    public var daily: Int
    public var weekly: Int
    public var monthly: Int
    /// `restic forget --prune`: also remove the data no snapshot uses any more.
    public var prune: Bool

    public init(last: Int = 0, daily: Int = 0, weekly: Int = 0, monthly: Int = 0, prune: Bool = false) {
        self.last = last
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
        self.prune = prune
    }
}

/// `POST /v1/backups/forget`'s answer: the snapshots kept and removed (short ids, oldest first), and whether
/// restic kept exactly what dokuen's own reading of the flags says (`RetentionPolicy`).
public struct BackupForgetResult: Codable, Equatable, Sendable {
    public var kept: [String]
    public var removed: [String]
    public var agrees: Bool
    public var pruned: Bool

    public init(kept: [String], removed: [String], agrees: Bool, pruned: Bool) {
        self.kept = kept
        self.removed = removed
        self.agrees = agrees
        self.pruned = pruned
    }
}

/// `PUT /v1/backups/schedule`'s body: the schedule (`daily 03:00`) and its keep rules.
public struct BackupScheduleRequest: Codable, Equatable, Sendable {
    public var schedule: String
    public var retention: BackupRetention

    public init(schedule: String, retention: BackupRetention) {
        self.schedule = schedule
        self.retention = retention
    }
}

/// `GET /v1/backups/schedule`: the schedule (nil when off), the next run, the last scheduled run and how it ended.
public struct BackupScheduleInfo: Codable, Equatable, Sendable {
    public var schedule: String?
    public var retention: BackupRetention?
    /// Seconds since the epoch.
    public var next: Int64?
    public var lastRun: BackupRun?
    /// The zone the schedule is read in (the host's).
    public var zone: String

    public init(
        schedule: String?, retention: BackupRetention?, next: Int64?, lastRun: BackupRun?, zone: String
    ) {
        self.schedule = schedule
        self.retention = retention
        self.next = next
        self.lastRun = lastRun
        self.zone = zone
    }
}

/// One `backup create` as dokuend recorded it: `manual` or `schedule`, when, how it ended (`ok`, `failed`, nil while
/// it runs), the snapshot it made and its sizes, or the error.
public struct BackupRun: Codable, Equatable, Sendable {
    public var trigger: String
    public var startedAt: Int64
    public var durationMilliseconds: Int64?
    public var outcome: String?
    public var snapshotID: String?
    public var totalBytes: Int64?
    public var dataAdded: Int64?
    public var error: String?

    public init(
        trigger: String, startedAt: Int64, durationMilliseconds: Int64?, outcome: String?, snapshotID: String?,
        totalBytes: Int64?, dataAdded: Int64?, error: String?
    ) {
        self.trigger = trigger
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.snapshotID = snapshotID
        self.totalBytes = totalBytes
        self.dataAdded = dataAdded
        self.error = error
    }
}
