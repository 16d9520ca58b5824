import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// supervisorctl's verbs on running instances: `restart TARGET…`, `signal SIG TARGET…`, `pid TARGET`.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart", abstract: "Restart instances; web behind nginx without dropping a request.",
        discussion: """
            Targets: APP, APP:TYPE, APP:TYPE.N, addon:NAME or all. With routing on (nginx), an app whose targets include web \
            instances restarts rolling: a new release of the same build, config and formation starts beside the \
            running instances, takes over once ready (its port accepts, the health checks pass: as a deploy), and \
            the old ones drain and stop. Every instance of that app is replaced, and dokuen releases lists the new \
            release. Other types, every target without routing, and everything with --in-place restart in place: \
            the stop signal, then a start (requests to web fail meanwhile). restart waits until every instance is \
            ready again and exits 1 when one is not; a rolling restart then leaves the old instances serving. \
            Dokuen 2012's spelling: restart --application=APP.

            During a deploy: a rolling restart waits for it to finish first (and says so), then restarts what it \
            released; a restart in place acts at once on what runs.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "What to restart.") var targets: [String] = []
    @Flag(help: "Stop then start each instance, web behind nginx included (its requests fail meanwhile).")
    var inPlace = false
    @Flag(help: "Return once the restart is under way; dokuen status and dokuen events show how it ends.")
    var noWait = false
    @Option(help: ArgumentHelp("Dokuen 2012: restart this app.", visibility: .hidden)) var application: String?

    var allTargets: [String] { targets + (application.map { [$0] } ?? []) }

    func validate() throws {
        for name in allTargets.compactMap(addonTarget) {
            do { _ = try AppName(name) } catch { throw ValidationError(error.description) }
        }
        let instances = allTargets.filter { addonTarget($0) == nil }
        if !instances.isEmpty || allTargets.isEmpty { try validateTargets(instances) }
    }

    func run() async throws {
        let client = try DaemonClient(options)
        // An add-on restarts in place; the apps that follow it restart once it answers again (docs/ADDONS.md).
        for name in allTargets.compactMap(addonTarget) {
            let info = try client.call("POST", "/v1/addons/\(name)/restart", as: AddonInfo.self)
            if !options.json { print("Restarting addon:\(info.name); the apps that follow it restart once it answers") }
        }
        let instanceTargets = allTargets.filter { addonTarget($0) == nil }
        guard !instanceTargets.isEmpty else { return }
        let request = ControlRequest(targets: instanceTargets, command: "r")
        let path = "/v1/control?" + (inPlace ? "" : "rolling=1&") + (noWait ? "wait=0" : "wait=1")
        if noWait {
            let statuses = try client.call("POST", path, body: request, as: [InstanceStatus].self)
            if options.json { return try printJSON(statuses) }
            for status in statuses { print("Restarting \(status.app):\(status.type).\(status.index)") }
            return
        }
        var lines = LineSplitter()
        var outcome: RestartEvent?
        try client.stream(
            "POST", path, body: try encodeJSON(request), headers: ["Content-Type": "application/json"]
        ) { chunk in
            for line in lines.feed(chunk) {
                guard let event = try? decodeJSON(RestartEvent.self, line) else { continue }
                if let text = event.line, !options.json {
                    print(text)
                    Posix.flushOutput()  // each step shows as it happens, also through a pipe
                }
                if event.restarted != nil || event.error != nil { outcome = event }
            }
        }
        if let error = outcome?.error { throw CLIError(message: error) }
        guard let restarted = outcome?.restarted else {
            throw CLIError(
                message: "unable to restart \(allTargets.joined(separator: " ")): dokuend ended its answer early; "
                    + "dokuen status shows where the instances are")
        }
        if options.json { try printJSON(restarted) }
    }
}

struct SignalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal", abstract: "Send a signal to the main process of instances.",
        discussion: """
            Example: dokuen signal HUP blog:web. At once, to the instances that run now (a deploy's new ones \
            too); it does not wait for a deploy in progress.
            """)

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
        let all = try DaemonClient(options).call("GET", "/v1/status?usage=0", as: [InstanceStatus].self)
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
