/// One channel's outgoing messages (docs/ALERTS.md): pure, with `now` given. It paces sends (at most `burst` in
/// `window` seconds; the last send a window allows carries everything waiting, as one summary, so a storm becomes
/// one message) and backs off after failures (1 minute, doubling, at most 1 hour), keeping the failed message first.
public struct ChannelQueue: Sendable, Equatable {
    /// Messages kept while a channel fails; the oldest go first when more arrive.
    public static let capacity = 200
    public static let burst = 5
    public static let window: Int64 = 600

    /// What to do next.
    public enum Next: Equatable, Sendable {
        /// Nothing waits.
        case idle
        /// Sleep until then (a retry or the pace).
        case wait(until: Int64)
        /// Send `message`, standing for the first `count` waiting messages.
        case send(AlertMessage, count: Int)
    }

    public private(set) var pending: [AlertMessage] = []
    /// When the recent sends happened.
    private var sent: [Int64] = []
    /// Failed sends in a row.
    public private(set) var failures = 0
    public private(set) var nextRetryAt: Int64?
    /// Messages dropped because `capacity` was reached.
    public private(set) var dropped = 0

    public init(failures: Int = 0, nextRetryAt: Int64? = nil) {
        self.failures = failures
        self.nextRetryAt = nextRetryAt
    }

    public mutating func enqueue(_ message: AlertMessage) {
        if pending.count >= Self.capacity {
            pending.removeFirst()
            dropped += 1
        }
        pending.append(message)
    }

    public func next(at now: Int64) -> Next {
        guard let first = pending.first else { return .idle }
        if let retry = nextRetryAt, now < retry { return .wait(until: retry) }
        let recent = sent.filter { $0 > now - Self.window }
        if recent.count >= Self.burst, let oldest = recent.min() { return .wait(until: oldest + Self.window) }
        if recent.count == Self.burst - 1 && pending.count > 1 {
            return .send(AlertMessage.summary(of: pending, at: now), count: pending.count)
        }
        return .send(first, count: 1)
    }

    /// The first `count` messages went out at `now`.
    public mutating func delivered(count: Int, at now: Int64) {
        pending.removeFirst(min(count, pending.count))
        sent = sent.filter { $0 > now - Self.window } + [now]
        failures = 0
        nextRetryAt = nil
    }

    /// A send failed at `now`: the message stays first, and the next try waits.
    public mutating func failed(at now: Int64) {
        failures += 1
        nextRetryAt = now + Self.retryDelay(failures: failures)
    }

    /// A send outside the queue (`notify test`) succeeded: the channel works, so what waits goes now.
    public mutating func recovered() {
        failures = 0
        nextRetryAt = nil
    }

    /// 60 s after the first failure, doubling, at most an hour.
    public static func retryDelay(failures: Int) -> Int64 {
        failures <= 1 ? 60 : min(3600, Int64(60) << min(failures - 1, 10))
    }
}
