import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenSupervision

/// supervisorctl's verbs on running instances: `restart TARGET…`, `signal SIG TARGET…`, `pid TARGET`.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart instances in place (stop signal, then start).",
        discussion: "Targets: APP, APP:TYPE, APP:TYPE.N or all. Dokuen 2012's spelling: restart --application=APP.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to restart.") var targets: [String] = []
    @Option(help: ArgumentHelp("Dokuen 2012: restart this app.", visibility: .hidden)) var application: String?

    var allTargets: [String] { targets + (application.map { [$0] } ?? []) }

    func validate() throws { try validateTargets(allTargets) }

    func run() async throws {
        let statuses = try DaemonClient(options).call(
            "POST", "/v1/control", body: ControlRequest(targets: allTargets, command: "r"), as: [InstanceStatus].self)
        if options.json { return try printJSON(statuses) }
        for status in statuses { print("Restarting \(status.app):\(status.type).\(status.index)") }
    }
}

struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Send a signal to the main process of instances.",
        discussion: "Example: dokuen signal HUP blog:web")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A signal name (HUP, USR1, TERM…) or number.") var signal: String
    @Argument(help: "APP, APP:TYPE, APP:TYPE.N or all.") var targets: [String] = []

    func validate() throws {
        guard Signals.number(signal) != nil else {
            throw ValidationError(
                "invalid signal \(Quoting.quoted(signal)): use a name such as HUP or a number from 1 to 64")
        }
        try validateTargets(targets)
    }

    func run() async throws {
        let number = Signals.number(signal)!
        let statuses = try DaemonClient(options).call(
            "POST", "/v1/control", body: ControlRequest(targets: targets, command: "s\(number)"),
            as: [InstanceStatus].self)
        if options.json { return try printJSON(statuses) }
        for status in statuses { print("Sent signal \(number) to \(status.app):\(status.type).\(status.index)") }
    }
}

struct PidCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pid", abstract: "Print the pid of an instance's main process.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "APP:TYPE.N") var target: String

    func validate() throws {
        do {
            guard case .slot = try Target(target) else {
                throw ValidationError(
                    "invalid target \(Quoting.quoted(target)): pid takes one instance, APP:TYPE.N (e.g. blog:web.1)")
            }
        } catch let error as CoreError { throw ValidationError(error.description) }
    }

    func run() async throws {
        guard case .slot(let app, let type, let index) = try Target(target) else { return }
        let all = try DaemonClient(options).call("GET", "/v1/status", as: [InstanceStatus].self)
        let matching = all.filter { $0.app == app.rawValue && $0.type == type.rawValue && $0.index == index }
        guard let pid = matching.compactMap(\.pid).last else {
            throw CLIError(message: "unable to find a running process for \(target)")
        }
        print(pid)
    }
}

struct ShutdownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown", abstract: "Stop dokuend. Apps keep running; a new dokuend re-adopts them.",
        discussion: """
            Not available over ssh: no one could start dokuend again from there. Dokuen 2012's shutdown \
            --application=APP stops that app instead (as dokuen stop APP), and works over ssh.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: ArgumentHelp("Dokuen 2012: stop this app instead.", visibility: .hidden)) var application: String?

    func validate() throws { if let application { try validateApp(application) } }

    func run() async throws {
        if let application { return try setStopped(true, application, options) }
        try DaemonClient(options).request("POST", "/v1/shutdown")
        print("dokuend is stopping; apps keep running")
    }
}

func validateTargets(_ targets: [String]) throws {
    guard !targets.isEmpty else { throw ValidationError("name at least one target: APP, APP:TYPE, APP:TYPE.N or all") }
    for target in targets { do { _ = try Target(target) } catch { throw ValidationError(error.description) } }
}
