import DokuenCore

/// One alert channel (docs/ALERTS.md): where messages go, and whether sending there is failing.
public struct NotifyChannelRecord: Equatable, Sendable {
    public var id: Int64
    /// `webhook`, `email` or `ntfy`.
    public var kind: String
    /// The URL (webhook, ntfy) or the e-mail address, checked at the boundary.
    public var target: String
    /// Failed sends in a row (0: not failing).
    public var failures: Int
    /// When the first of those failures happened.
    public var failingSince: Int64?
    /// The last failure's one line.
    public var lastError: String?
    /// When the next retry is due.
    public var nextRetryAt: Int64?
    public var createdAt: Int64

    public init(
        id: Int64, kind: String, target: String, failures: Int = 0, failingSince: Int64? = nil,
        lastError: String? = nil, nextRetryAt: Int64? = nil, createdAt: Int64
    ) {
        self.id = id
        self.kind = kind
        self.target = target
        self.failures = failures
        self.failingSince = failingSince
        self.lastError = lastError
        self.nextRetryAt = nextRetryAt
        self.createdAt = createdAt
    }
}

/// An open alert episode: its "firing" message went out (or was queued), its "resolved" is still owed.
public struct AlertEpisodeRecord: Equatable, Sendable {
    /// The episode's identity: the alert and its subject, as in `instance.crashloop:blog:web.1`.
    public var key: String
    /// The alert, as in `instance.crashloop`.
    public var alert: String
    public var app: AppName?
    public var summary: String
    public var action: String
    public var openedAt: Int64

    public init(key: String, alert: String, app: AppName?, summary: String, action: String, openedAt: Int64) {
        self.key = key
        self.alert = alert
        self.app = app
        self.summary = summary
        self.action = action
        self.openedAt = openedAt
    }
}

extension Store {
    private static let channelColumns =
        "id, kind, target, failures, failing_since, last_error, next_retry_at, created_at FROM notify_channels"

    private func channel(_ row: Row) throws(StoreError) -> NotifyChannelRecord {
        NotifyChannelRecord(
            id: try row.int64("id"), kind: try row.text("kind"), target: try row.text("target"),
            failures: try row.int("failures"), failingSince: try row.optionalInt64("failing_since"),
            lastError: try row.optionalText("last_error"), nextRetryAt: try row.optionalInt64("next_retry_at"),
            createdAt: try row.int64("created_at"))
    }

    /// Every alert channel, oldest first.
    public func notifyChannels() throws(StoreError) -> [NotifyChannelRecord] {
        try database.query("SELECT \(Self.channelColumns) ORDER BY id").map { (row) throws(StoreError) in
            try channel(row)
        }
    }

    /// Adds a channel (kind and target checked by the caller); nil when the same one exists already. One
    /// `notify.add` event naming the kind and the target.
    public func addNotifyChannel(kind: String, target: String, actor: String) throws(StoreError)
        -> NotifyChannelRecord?
    {
        try database.transaction { () throws(StoreError) -> NotifyChannelRecord? in
            let exists = try database.query(
                "SELECT id FROM notify_channels WHERE kind = ? AND target = ?", [.text(kind), .text(target)])
            guard exists.isEmpty else { return nil }
            let now = clock()
            try database.run(
                "INSERT INTO notify_channels (kind, target, created_at) VALUES (?, ?, ?)",
                [.text(kind), .text(target), .integer(now)])
            let id = database.lastInsertRowID
            try recordEvent(actor: actor, app: nil, action: "notify.add", detail: "\(id): \(kind) \(target)")
            return NotifyChannelRecord(id: id, kind: kind, target: target, createdAt: now)
        }
    }

    /// Removes channel `id`; returns it, or nil when there is none. One `notify.remove` event.
    public func removeNotifyChannel(id: Int64, actor: String) throws(StoreError) -> NotifyChannelRecord? {
        try database.transaction { () throws(StoreError) -> NotifyChannelRecord? in
            guard
                let found = try database.query("SELECT \(Self.channelColumns) WHERE id = ?", [.integer(id)]).first
            else { return nil }
            let record = try channel(found)
            try database.run("DELETE FROM notify_channels WHERE id = ?", [.integer(id)])
            try recordEvent(
                actor: actor, app: nil, action: "notify.remove", detail: "\(id): \(record.kind) \(record.target)")
            return record
        }
    }

    /// Records the outcome of one send to channel `id`: a success (`error` nil) ends its failing state; a failure
    /// counts, keeps the first failure's time, and says when to retry. No event: the channel's state says it.
    public func recordNotifyDelivery(id: Int64, error: String?, nextRetryAt: Int64?) throws(StoreError) {
        if let error {
            try database.run(
                """
                UPDATE notify_channels SET failures = failures + 1, failing_since = coalesce(failing_since, ?),
                    last_error = ?, next_retry_at = ?
                WHERE id = ?
                """, [.integer(clock()), .text(String(error.prefix(2000))), .integer(nextRetryAt), .integer(id)])
        } else {
            try database.run(
                """
                UPDATE notify_channels SET failures = 0, failing_since = NULL, last_error = NULL, next_retry_at = NULL
                WHERE id = ?
                """, [.integer(id)])
        }
    }

    /// Every open alert episode, oldest first.
    public func alertEpisodes() throws(StoreError) -> [AlertEpisodeRecord] {
        try database.query("SELECT key, alert, app, summary, action, opened_at FROM alert_episodes ORDER BY opened_at")
            .map { (row) throws(StoreError) in
                AlertEpisodeRecord(
                    key: try row.text("key"), alert: try row.text("alert"), app: try row.optionalAppName("app"),
                    summary: try row.text("summary"), action: try row.text("action"),
                    openedAt: try row.int64("opened_at"))
            }
    }

    /// Keeps `episode` open across restarts (replacing one of the same key).
    public func openAlertEpisode(_ episode: AlertEpisodeRecord) throws(StoreError) {
        try database.run(
            """
            INSERT INTO alert_episodes (key, alert, app, summary, action, opened_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET summary = excluded.summary, action = excluded.action
            """,
            [
                .text(episode.key), .text(episode.alert), .text(episode.app?.rawValue),
                .text(String(episode.summary.prefix(2000))), .text(String(episode.action.prefix(2000))),
                .integer(episode.openedAt),
            ])
    }

    /// Forgets the episode `key`: it was resolved.
    public func closeAlertEpisode(key: String) throws(StoreError) {
        try database.run("DELETE FROM alert_episodes WHERE key = ?", [.text(key)])
    }
}
