import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen events [APP]`: the audit log, newest first: who did what, when. Config values never appear in it.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Show the audit log (newest first).")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Only this app's events.") var app: String?

    func validate() throws { if let app { try validateApp(app) } }

    func run() async throws {
        let events = try DaemonClient(options).call(
            "GET", "/v1/events" + (app.map { "?app=\($0)" } ?? ""), as: [EventEntry].self)
        if options.json { return try printJSON(events) }
        for event in events {
            print("\(UTCTime.text(event.at))  \(event.actor)  \(event.app ?? "-")  \(event.action)  \(event.detail)")
        }
    }
}
