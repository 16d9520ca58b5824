import DokuenCore
import DokuenStore

/// A fact the daemon learned that may open or close an alert episode (docs/ALERTS.md). Facts come from where the
/// daemon learns them already (the event log, the shims' reports, the add-on supervisor, the periodic checks) and go
/// through one `AlertFeed` to the `Notifier`.
public enum AlertFact: Sendable, Equatable {
    /// An event the store appended.
    case event(EventRecord)
    /// A shim's report of an app's instance.
    case instance(InstanceID, state: String, restarts: Int)
    /// Whether an add-on's server answers.
    case addon(name: String, up: Bool)
    /// How full the file system of the root is, in percent.
    case disk(path: String, percentUsed: Int)
    /// When an app's certificate expires (nil: it has none); `app` nil is the base domain's wildcard.
    case certificate(app: AppName?, notAfter: Int64?)
    /// The last successful backup, and how old the schedule allows it to be (nil: no schedule).
    case backupAge(lastSuccess: Int64?, allowedSeconds: Int64?)
    /// A deadline of the episodes passed (`AlertEpisodes.nextDeadline`).
    case tick
}

/// Where facts go: a bounded buffer (the newest 1024 facts; older ones are dropped when the Notifier falls behind),
/// so that whoever learns a fact never waits for alerts.
public struct AlertFeed: Sendable {
    let continuation: AsyncStream<AlertFact>.Continuation

    /// Hands `fact` on; never blocks.
    public func send(_ fact: AlertFact) { continuation.yield(fact) }

    /// A feed and the stream it fills.
    static func make() -> (AlertFeed, AsyncStream<AlertFact>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: AlertFact.self, bufferingPolicy: .bufferingNewest(1024))
        return (AlertFeed(continuation: continuation), stream)
    }
}
