import ArgumentParser
import DokuenAPI

/// `dokuen maintenance [show] APP`, `maintenance on APP`, `maintenance off APP`.
struct MaintenanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maintenance", abstract: "Answer 503 with a maintenance page while the app keeps running.",
        discussion: """
            In maintenance, nginx answers every request to the app (its own name and its domains; ACME http-01 \
            challenges excepted) with status 503 and the page maintenance.html at the top of the app's current \
            build when there is one (a regular file, not a symlink, at most 1 MiB), else a plain page of ours. The app's \
            processes keep running, nothing restarts, and dokuen run works: migrate, then turn it off. A deploy \
            keeps the app in maintenance; the new build's page is shown. It takes effect at once, with routing on.

            Examples:
              dokuen maintenance on blog
              dokuen run blog -- ./migrate
              dokuen maintenance off blog
              dokuen maintenance blog        # on or off, and which page
            """,
        subcommands: [Show.self, On.self, Off.self], defaultSubcommand: Show.self)

    static func describe(_ info: MaintenanceInfo) -> String {
        info.on
            ? "\(info.app) is in maintenance: nginx answers 503 with \(info.page == "built-in" ? "the built-in page" : info.page)"
            : "\(info.app) is not in maintenance"
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show whether an app is in maintenance, and which page it shows.",
            discussion: "--json prints {app, on, page, changed}; page is maintenance.html or built-in.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let info = try DaemonClient(options).call("GET", "/v1/apps/\(app)/maintenance", as: MaintenanceInfo.self)
            if options.json { return try printJSON(info) }
            print(MaintenanceCommand.describe(info))
        }
    }

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "on", abstract: "Put an app in maintenance: 503 and its page, no restart.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws { try MaintenanceCommand.change(app, on: true, options) }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "off", abstract: "Take an app out of maintenance: nginx routes to it again.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws { try MaintenanceCommand.change(app, on: false, options) }
    }

    static func change(_ app: String, on: Bool, _ options: GlobalOptions) throws {
        let info = try DaemonClient(options).call(
            "POST", "/v1/apps/\(app)/maintenance", body: MaintenanceRequest(on: on), as: MaintenanceInfo.self)
        if options.json { return try printJSON(info) }
        print((info.changed ? "" : "No change: ") + describe(info))
    }
}
