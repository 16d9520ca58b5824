import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen apps create|list|info|destroy`.
struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps", abstract: "Create, list, inspect and destroy apps.",
        subcommands: [Create.self, List.self, Info.self, Destroy.self], defaultSubcommand: List.self)

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an app.",
            discussion: "App names are DNS labels: lowercase letters, digits and '-', 1 to 63 characters.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The new app's name.") var name: String

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let app = try DaemonClient(options).call(
                "POST", "/v1/apps", body: CreateAppRequest(name: name), as: AppInfo.self)
            if options.json { try printJSON(app) } else { print("Created \(app.name)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the apps.")

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let apps = try DaemonClient(options).call("GET", "/v1/apps", as: [AppInfo].self)
            if options.json { return try printJSON(apps) }
            if apps.isEmpty { return print("No apps yet. Create one with: dokuen apps create NAME") }
            for app in apps { print("\(app.name)\t\(app.release ?? "not deployed")") }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one app.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var name: String

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let app = try DaemonClient(options).call("GET", "/v1/apps/\(name)", as: AppInfo.self)
            if options.json { return try printJSON(app) }
            print(
                "name:     \(app.name)\nrelease:  \(app.release ?? "not deployed")\ncreated:  \(UTCTime.text(app.createdAt))"
            )
        }
    }

    struct Destroy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Destroy an app: its processes, releases and config. data/ is kept.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var name: String
        @Option(help: ArgumentHelp("Repeat the app's name to confirm.", valueName: "name")) var confirm: String?
        @Flag(help: "Also delete the app's data/ directory.") var purge = false

        func validate() throws {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
            guard confirm == name else {
                throw ValidationError("destroying \(name) needs --confirm \(name)")
            }
        }

        func run() async throws {
            try DaemonClient(options).request("DELETE", "/v1/apps/\(name)?confirm=\(name)" + (purge ? "&purge=1" : ""))
            print("Destroyed \(name)" + (purge ? "" : "; its data/ directory is kept (--purge deletes it)"))
        }
    }
}
