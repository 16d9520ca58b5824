import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen ps APP` and `dokuen ps scale APP web=2 worker=1`.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "Show or scale an app's formation.", subcommands: [Show.self, Scale.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the formation of an app.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let formation = try DaemonClient(options).call(
                "GET", "/v1/apps/\(app)/formation", as: [FormationEntry].self)
            if options.json { return try printJSON(formation) }
            if formation.isEmpty { return print("\(app) runs nothing yet; deploy it first") }
            for entry in formation { print("\(entry.type)=\(entry.count)" + (entry.stopped ? " (stopped)" : "")) }
        }
    }

    struct Scale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how many instances of each type run.",
            discussion: "Examples: dokuen ps scale blog web=3 worker=1, or web=3,worker=1. Counts run from 0 to 100.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "type=count pairs.") var formation: [String] = []

        func validate() throws {
            try validateApp(app)
            do { _ = try Formation.parse(formation) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let canonical = try Formation.parse(formation).description
            let result = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/formation", body: ScaleRequest(formation: canonical),
                as: [FormationEntry].self)
            if options.json { return try printJSON(result) }
            print("Scaled \(app) to " + result.map { "\($0.type)=\($0.count)" }.joined(separator: " "))
        }
    }
}

/// `dokuen stop APP[:TYPE]|all` and `dokuen start APP[:TYPE]|all`: desired state, kept across daemon restarts and
/// reboots until the opposite verb.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop an app, one of its types, or all apps, until `dokuen start`.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "APP, APP:TYPE or all.") var target: String

    func validate() throws { _ = try appsAndType(target, options: nil) }

    func run() async throws { try setStopped(true, target, options) }
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start an app, one of its types, or all apps, again.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "APP, APP:TYPE or all.") var target: String

    func validate() throws { _ = try appsAndType(target, options: nil) }

    func run() async throws { try setStopped(false, target, options) }
}

func setStopped(_ stopped: Bool, _ target: String, _ options: GlobalOptions) throws {
    let (apps, type) = try appsAndType(target, options: options)
    let client = try DaemonClient(options)
    for app in apps {
        try client.request(
            "POST", "/v1/apps/\(app)/\(stopped ? "stop" : "start")" + (type.map { "?type=\($0)" } ?? ""))
    }
    print("\(stopped ? "Stopped" : "Started") \(target)")
}

/// The apps and the type a stop/start target names; `all` asks the daemon for every app (unless `options` is nil,
/// when only the syntax is checked).
func appsAndType(_ text: String, options: GlobalOptions?) throws -> ([String], ProcessType?) {
    if text == "all" {
        guard let options else { return ([], nil) }
        return (try DaemonClient(options).call("GET", "/v1/apps", as: [AppInfo].self).map(\.name), nil)
    }
    let (app, type) = try appAndType(text)
    return ([app.rawValue], type)
}

func validateApp(_ app: String) throws {
    do { _ = try AppName(app) } catch { throw ValidationError(error.description) }
}

/// APP or APP:TYPE; instance slots (APP:TYPE.N) and `all` are not persisted stop targets yet.
func appAndType(_ text: String) throws -> (AppName, ProcessType?) {
    let target: Target
    do { target = try Target(text) } catch { throw ValidationError(error.description) }
    switch target {
    case .app(let app): return (app, nil)
    case .type(let app, let type): return (app, type)
    case .slot, .all:
        throw ValidationError("stop and start take APP, APP:TYPE or all, not \(text)")
    }
}
