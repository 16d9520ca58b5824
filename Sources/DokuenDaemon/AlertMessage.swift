import DokuenCore
import DokuenStore

/// One message a channel sends (docs/ALERTS.md): a webhook gets it as this JSON, ntfy as a title and a body, e-mail
/// as a subject and a body.
public struct AlertMessage: Codable, Equatable, Sendable {
    /// The alert's key: `deploy.failed`, `instance.crashloop`, … (`summary` for a storm's summary, `test` for
    /// `notify test`).
    public var alert: String
    /// `firing` or `resolved`.
    public var status: String
    /// The app it is about; nil for the host's (disk, backups, an add-on).
    public var app: String?
    public var summary: String
    /// What to do.
    public var action: String
    /// When, ISO 8601 UTC (`2026-12-05T06:40:00Z`).
    public var at: String

    public init(alert: String, status: String, app: String?, summary: String, action: String, at: String) {
        self.alert = alert
        self.status = status
        self.app = app
        self.summary = summary
        self.action = action
        self.at = at
    }

    /// The firing message of `episode`.
    static func firing(_ episode: AlertEpisodeRecord, at now: Int64) -> AlertMessage {
        AlertMessage(
            alert: episode.alert, status: "firing", app: episode.app?.rawValue, summary: episode.summary,
            action: episode.action, at: UTCTime.iso8601(now))
    }

    /// The resolved message of `episode`: `summary` says how it cleared.
    static func resolved(_ episode: AlertEpisodeRecord, summary: String, at now: Int64) -> AlertMessage {
        AlertMessage(
            alert: episode.alert, status: "resolved", app: episode.app?.rawValue, summary: summary,
            action: "Nothing: it cleared.", at: UTCTime.iso8601(now))
    }

    /// One message for a storm: what `messages` said, one line each, at most 1500 characters.
    static func summary(of messages: [AlertMessage], at now: Int64) -> AlertMessage {
        var text = "\(messages.count) alerts at once:"
        for message in messages {
            let line = " [\(message.status)] \(message.alert)\(message.app.map { " " + $0 } ?? ""): \(message.summary);"
            if text.utf8.count + line.utf8.count > 1500 {
                text += " …"
                break
            }
            text += line
        }
        return AlertMessage(
            alert: "summary", status: "firing", app: nil, summary: text,
            action: "Read each above; dokuen status and dokuen events show the rest.", at: UTCTime.iso8601(now))
    }

    /// The title ntfy and e-mail show: `[dokuen] FIRING deploy.failed: blog`.
    var title: String {
        "[dokuen] \(status.uppercased()) \(alert)" + (app.map { ": " + $0 } ?? "")
    }

    /// The text ntfy and e-mail show.
    var body: String { "\(summary)\nWhat to do: \(action)\nAt: \(at)\n" }
}
