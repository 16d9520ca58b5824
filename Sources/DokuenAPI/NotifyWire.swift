/// `POST /v1/notify`: a channel to add (docs/ALERTS.md).
public struct NotifyChannelRequest: Codable, Equatable, Sendable {
    /// `webhook`, `email` or `ntfy`.
    public var kind: String
    /// The URL, or the e-mail address.
    public var target: String

    public init(kind: String, target: String) {
        self.kind = kind
        self.target = target
    }
}

/// One alert channel as `notify list` shows it: whether it is failing, since when, the last error and the next retry
/// (UTC seconds since the epoch), and how many messages wait for it.
public struct NotifyChannel: Codable, Equatable, Sendable {
    public var id: Int64
    public var kind: String
    public var target: String
    public var failing: Bool
    /// Failed sends in a row.
    public var failures: Int
    public var failingSince: Int64?
    public var lastError: String?
    public var nextRetry: Int64?
    public var pending: Int

    public init(
        id: Int64, kind: String, target: String, failing: Bool, failures: Int, failingSince: Int64?,
        lastError: String?, nextRetry: Int64?, pending: Int
    ) {
        self.id = id
        self.kind = kind
        self.target = target
        self.failing = failing
        self.failures = failures
        self.failingSince = failingSince
        self.lastError = lastError
        self.nextRetry = nextRetry
        self.pending = pending
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, target, failing, failures, pending
        case failingSince = "failing_since"
        case lastError = "last_error"
        case nextRetry = "next_retry"
    }

    /// Every key, null included, so that scripts can rely on them.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(target, forKey: .target)
        try container.encode(failing, forKey: .failing)
        try container.encode(failures, forKey: .failures)
        try container.encode(failingSince, forKey: .failingSince)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(nextRetry, forKey: .nextRetry)
        try container.encode(pending, forKey: .pending)
    }
}

/// `POST /v1/notify/test`: how the test message went on one channel.
public struct NotifyTestResult: Codable, Equatable, Sendable {
    public var id: Int64
    public var kind: String
    public var target: String
    public var sent: Bool
    /// Why it was not sent; null when it was.
    public var error: String?

    public init(id: Int64, kind: String, target: String, sent: Bool, error: String?) {
        self.id = id
        self.kind = kind
        self.target = target
        self.sent = sent
        self.error = error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(target, forKey: .target)
        try container.encode(sent, forKey: .sent)
        try container.encode(error, forKey: .error)
    }
}
