import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen notify add|list|remove|test` (docs/ALERTS.md): where alerts go.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify", abstract: "Where alerts go: webhooks, e-mail and ntfy.",
        discussion: """
            dokuend sends an alert when a deploy fails, an instance is FATAL or crash-loops, an app is rolled back \
            automatically, liveness restarts pile up, a certificate expires within 14 days or its renewal fails, \
            the disk of the root is over 90 % full, a backup fails or is late, or an add-on stops answering. Each \
            names the app and what to do; it is sent once when it starts and once when it clears ("resolved"), to \
            every channel. A storm becomes one summary (at most 5 messages per channel in 10 minutes). Sending never \
            holds up dokuend: a channel that fails is retried after 1 minute, doubling up to 1 hour, and shows as \
            failing in notify list until a send succeeds. docs/ALERTS.md lists every alert.

            Channels:
              webhook URL    curl POSTs {alert, status, app, summary, action, at} as JSON
              email ADDRESS  an e-mail through the host's sendmail (dokuend --sendmail)
              ntfy URL       an ntfy topic (https://ntfy.sh/TOPIC), with Title and Priority

            Examples:
              dokuen notify add webhook https://hooks.example.com/dokuen
              dokuen notify add email ops@example.com
              dokuen notify add ntfy https://ntfy.sh/my-home-server
              dokuen notify list
              dokuen notify test
              dokuen notify remove 2
            """,
        subcommands: [Add.self, List.self, Remove.self, Test.self], defaultSubcommand: List.self)

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a channel: webhook URL, email ADDRESS or ntfy URL.",
            discussion: """
                URLs are http or https with a host, and no spaces, quotes or ';' (a query is fine); an address is \
                local@domain. Nothing is stored when either is refused. notify test sends a message now.

                Examples:
                  dokuen notify add webhook https://hooks.example.com/dokuen?token=abc
                  dokuen notify add email ops@example.com
                  dokuen notify add ntfy https://ntfy.sh/my-home-server
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: ArgumentHelp("webhook, email or ntfy.", valueName: "kind")) var kind: String
        @Argument(help: ArgumentHelp("The URL, or the e-mail address.", valueName: "target")) var target: String

        func validate() throws {
            guard ["webhook", "email", "ntfy"].contains(kind) else {
                throw ValidationError("invalid channel kind \(Quoting.quoted(kind)): it takes webhook, email or ntfy")
            }
        }

        func run() async throws {
            let channel = try DaemonClient(options).call(
                "POST", "/v1/notify", body: NotifyChannelRequest(kind: kind, target: target), as: NotifyChannel.self)
            if options.json { return try printJSON(channel) }
            print(
                "Added channel \(channel.id): \(channel.kind) \(channel.target); dokuen notify test sends a message now"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the channels, and which are failing.",
            discussion: """
                One line per channel: its id, kind, target and state (ok, or failing since when, with the last \
                error and the next retry). --json prints [{id, kind, target, failing, failures, failing_since, \
                last_error, next_retry, pending}], every key present; times are UTC seconds since the epoch.
                """)
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let channels = try DaemonClient(options).call("GET", "/v1/notify", as: [NotifyChannel].self)
            if options.json { return try printJSON(channels) }
            if channels.isEmpty {
                return print("No alert channels yet. Add one with: dokuen notify add webhook|email|ntfy TARGET")
            }
            for channel in channels {
                print("\(channel.id)\t\(channel.kind)\t\(channel.target)\t" + NotifyCommand.state(channel))
                if channel.failing, let error = channel.lastError { print("\terror: \(error)") }
            }
        }
    }

    /// `ok`, or `failing since …, N failures, next retry …`.
    static func state(_ channel: NotifyChannel) -> String {
        guard channel.failing else { return channel.pending > 0 ? "sending (\(channel.pending) waiting)" : "ok" }
        var text = "failing"
        if let since = channel.failingSince { text += " since \(UTCTime.text(since))" }
        text += ", \(channel.failures) failure\(channel.failures == 1 ? "" : "s")"
        if let next = channel.nextRetry { text += ", next retry \(UTCTime.text(next))" }
        if channel.pending > 0 { text += ", \(channel.pending) waiting" }
        return text
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove a channel; what waited for it is dropped.",
            discussion: "Example: dokuen notify remove 2")
        @OptionGroup var options: GlobalOptions
        @Argument(help: ArgumentHelp("The channel's id (notify list).", valueName: "id")) var id: String

        func validate() throws { try NotifyCommand.validateID(id) }

        func run() async throws {
            let channel = try DaemonClient(options).call("DELETE", "/v1/notify/\(id)", as: NotifyChannel.self)
            if options.json { return try printJSON(channel) }
            print("Removed channel \(channel.id): \(channel.kind) \(channel.target)")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Send a test message now, to one channel or to all.",
            discussion: """
                Waits for each send (at most dokuend --notify-timeout) and prints one line per channel; exits 1 when \
                any failed. A success ends a channel's failing state, and what waited for it goes at once. --json \
                prints [{id, kind, target, sent, error}].

                Examples:
                  dokuen notify test
                  dokuen notify test 2
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: ArgumentHelp("The channel's id (default: every channel).", valueName: "id")) var id: String?

        func validate() throws { if let id { try NotifyCommand.validateID(id) } }

        func run() async throws {
            let path = id.map { "/v1/notify/\($0)/test" } ?? "/v1/notify/test"
            let results = try DaemonClient(options).call("POST", path, as: [NotifyTestResult].self)
            if options.json {
                try printJSON(results)
            } else if results.isEmpty {
                print("No alert channels yet. Add one with: dokuen notify add webhook|email|ntfy TARGET")
            } else {
                for result in results {
                    print(
                        "\(result.id)\t\(result.kind)\t\(result.target)\t"
                            + (result.sent ? "sent" : "failed: \(result.error ?? "unknown")"))
                }
            }
            if results.contains(where: { !$0.sent }) { throw ExitCode.failure }
        }
    }

    static func validateID(_ id: String) throws {
        guard id.utf8.count <= 18, id.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(id), value >= 1
        else { throw ValidationError("invalid channel id \(Quoting.quoted(id)): it takes a number from 1") }
    }
}
