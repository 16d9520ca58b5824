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

/// `dokuen stop APP[:TYPE]` and `dokuen start APP[:TYPE]`: desired state, kept across daemon restarts and reboots.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop an app, or one of its types, until `dokuen start`.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "APP or APP:TYPE.") var target: String

    func validate() throws { _ = try appAndType(target) }

    func run() async throws {
        let (app, type) = try appAndType(target)
        try DaemonClient(options).request("POST", "/v1/apps/\(app)/stop" + (type.map { "?type=\($0)" } ?? ""))
        print("Stopped \(target)")
    }
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start an app, or one of its types, again.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "APP or APP:TYPE.") var target: String

    func validate() throws { _ = try appAndType(target) }

    func run() async throws {
        let (app, type) = try appAndType(target)
        try DaemonClient(options).request("POST", "/v1/apps/\(app)/start" + (type.map { "?type=\($0)" } ?? ""))
        print("Started \(target)")
    }
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
        throw ValidationError("stop and start take APP or APP:TYPE for now, not \(text)")
    }
}
