import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen ps APP`, `dokuen ps scale APP web=2 worker=1`, `dokuen ps set APP TYPE KEY=VALUE…` and
/// `dokuen ps settings APP [TYPE]`.
struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ps", abstract: "Show or scale an app's formation, and set how its process types run.",
        subcommands: [Show.self, Scale.self, SetSettings.self, Settings.self], defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show the formation of an app, its stopped slots and its settings.")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let client = try DaemonClient(options)
            let formation = try client.call("GET", "/v1/apps/\(app)/formation", as: [FormationEntry].self)
            if options.json { return try printJSON(formation) }
            if formation.isEmpty { return print("\(app) runs nothing yet; deploy it first") }
            if try client.call("GET", "/v1/apps/\(app)", as: AppInfo.self).release == nil {
                print("\(app) has no release yet; its first deploy starts with these counts")
            }
            for entry in formation {
                var line = "\(entry.type)=\(entry.count)"
                let slots = entry.stoppedIndexes.filter { $0 <= entry.count }
                if entry.stopped {
                    line += " (stopped)"
                } else if !slots.isEmpty {
                    line += " (" + slots.map { "\(entry.type).\($0)" }.joined(separator: ", ") + " stopped)"
                }
                print(line)
            }
            let settings = try client.call("GET", "/v1/apps/\(app)/settings", as: [ProcessSettingsEntry].self)
            for entry in settings where !entry.setKeys.isEmpty {
                print(
                    "\(entry.type) settings: "
                        + entry.setKeys.map { "\($0)=\(entry.settings[$0] ?? "")" }.joined(separator: " "))
            }
        }
    }

    struct Scale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scale",
            abstract: "Set how many instances of each type run.",
            discussion: """
                Examples: dokuen ps scale blog web=3 worker=1, or web=3,worker=1. Counts run from 0 to 100.

                Once the app has a release, only the types of that release can be scaled. Before its first deploy \
                any type can: the counts are kept for the first deploy, and a type the first release does not have \
                goes to 0 then (the deploy says so).

                Which count a type gets when it first appears in a release: the one set before the first deploy \
                (ps scale, or the DOKUEN_SCALE config key), else the quantity of app.json's "formation", else 1 for \
                web and 0 for every other type. A type keeps its count across deploys; a type a release drops goes \
                to 0. Setting DOKUEN_SCALE (dokuen config set blog DOKUEN_SCALE="web=1 worker=2") scales like this \
                command at that moment: whichever of the two came last wins.

                During a deploy: takes effect at once, without waiting for it, and the release it makes keeps the \
                new count. A type only that deploy adds cannot be scaled until it is released.
                """)

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
            if try DaemonClient(options).call("GET", "/v1/apps/\(app)", as: AppInfo.self).release == nil {
                print("\(app) has no release yet; its first deploy starts with these counts")
            }
        }
    }

    /// `dokuen ps set blog web stop_timeout=10 stop_signal=INT`.
    struct SetSettings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set how the instances of one process type stop, restart, become ready and what they may use.",
            discussion: help)

        /// Every key with its default, what it does and the values it takes, then examples.
        static var help: String {
            let keys = ProcessSettings.Key.allCases.map { key in
                "  \(key) [\(ProcessSettings.defaultValue(key))]: \(key.summary); \(key.allowed)"
            }
            return """
                The keys are those of the "dokuen" section of app.json. KEY= (nothing after the =) puts a key back \
                to its default. The new settings apply to instances started from now on: running ones keep theirs \
                until they are replaced (the next deploy or config change, or dokuen stop and start).

                Keys (default in brackets):
                \(keys.joined(separator: "\n"))

                Examples:
                  dokuen ps set blog web stop_signal=INT stop_timeout=10
                  dokuen ps set blog worker restart=on-failure
                  dokuen ps set blog web readiness=port start_timeout=120
                  dokuen ps set blog worker nice=10 nofile=4096 core=0
                  dokuen ps set blog web stop_timeout=

                The new settings go out as a new release of what serves; during a deploy that waits for it to \
                finish first (and says so on stderr).
                """
        }

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The process type, as in the Procfile.") var type: String
        @Argument(help: "KEY=VALUE settings; KEY= unsets.") var settings: [String] = []

        func validate() throws {
            try validateApp(app)
            do { _ = try ProcessType(type) } catch { throw ValidationError(error.description) }
            guard !settings.isEmpty else {
                throw ValidationError("name at least one KEY=VALUE; the keys are " + Self.keyList)
            }
            _ = try change()
        }

        static var keyList: String { ProcessSettings.Key.allCases.map(\.rawValue).joined(separator: ", ") }

        /// The request, checked here so that a bad setting fails before the daemon is asked (exit 64).
        func change() throws -> ProcessSettingsChange {
            do {
                let (set, unset) = try ProcessSettings.assignments(settings)
                return ProcessSettingsChange(
                    type: type, set: Dictionary(uniqueKeysWithValues: set.map { ($0.0.rawValue, $0.1) }),
                    unset: unset.map(\.rawValue))
            } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let change = try change()
            let client = try DaemonClient(options)
            DeployNotice.sayIfWaiting(app: app, client: client)
            let result = try client.call(
                "POST", "/v1/apps/\(app)/settings", body: change, as: ProcessSettingsChangeResult.self)
            if options.json { return try printJSON(result) }
            let changed = settings.compactMap { try? ProcessSettings.assignment($0).key }.map { key in
                "\(key)=\(result.settings.settings[key.rawValue] ?? "")"
                    + (result.settings.setKeys.contains(key.rawValue) ? "" : " (default)")
            }
            print("Changed \(app):\(type): " + changed.joined(separator: " "))
            let names = result.instances.joined(separator: ", ")
            if let release = result.release {
                print("Release \(release) is up: \(names.isEmpty ? "its instances" : names) run with these settings")
            } else if result.instances.isEmpty {
                print("No instance of \(app):\(type) runs now; the next ones start with these settings")
            } else {
                print(
                    "\(names) keep the old settings until replaced: at the next deploy or config change, or by "
                        + "dokuen stop \(app):\(type) then dokuen start \(app):\(type)")
            }
        }
    }

    /// `dokuen ps settings blog [web]`: every key of each type, set or default.
    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "settings",
            abstract: "Show the settings of an app's process types (see dokuen ps set --help).")

        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "Only this process type.") var type: String?

        func validate() throws {
            try validateApp(app)
            if let type { do { _ = try ProcessType(type) } catch { throw ValidationError(error.description) } }
        }

        func run() async throws {
            var entries = try DaemonClient(options).call(
                "GET", "/v1/apps/\(app)/settings", as: [ProcessSettingsEntry].self)
            if let type {
                entries = entries.filter { $0.type == type }
                guard !entries.isEmpty else {
                    throw CLIError(message: "unable to find process type \(type) of app \(app)")
                }
            }
            if options.json { return try printJSON(entries) }
            if entries.isEmpty { return print("\(app) has no process types yet; deploy it first") }
            let width = entries.map(\.type.count).max() ?? 0
            let keyWidth = ProcessSettings.Key.allCases.map(\.rawValue.count).max() ?? 0
            for entry in entries {
                for key in ProcessSettings.Key.allCases.map(\.rawValue) {
                    let value = entry.settings[key] ?? ""
                    let note = entry.setKeys.contains(key) ? "" : "  (default)"
                    print(pad(entry.type, width) + "  " + pad(key, keyWidth) + "  " + value + note)
                }
            }
        }

        private func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }
    }
}

/// `dokuen stop TARGET…` and `dokuen start TARGET…`, where a target is APP, APP:TYPE, APP:TYPE.N or all: desired
/// state, kept across daemon restarts, reboots and `ps scale` until the opposite verb. Starting a type or an app
/// also starts its slots that were stopped one by one. Both wait until it happened (`WaitOptions`).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop apps, process types or instances until `dokuen start`.",
        discussion: """
            Targets: APP, APP:TYPE, APP:TYPE.N, addon:NAME or all (every app, then every add-on). Example: dokuen \
            stop blog:web.2

            Returns once every instance named is gone: its process and its shim have exited, after the stop signal \
            or, at the type's stop_timeout (dokuen ps set), SIGKILL. It gives up after that stop timeout plus 30 s \
            (or --timeout), says what still runs and exits 1. With --no-wait it returns as soon as dokuend has the \
            change.

            During a deploy: takes effect at once, without waiting for it, and the deploy honours it: the \
            release it makes comes up with what was stopped still stopped (a type it adds too, when the whole \
            app was stopped), and says so.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "APP, APP:TYPE, APP:TYPE.N, addon:NAME or all.") var targets: [String] = []

    func validate() throws { try validateStopTargets(targets) }

    func run() async throws { try setStopped(true, targets, options, noWait: wait.noWait, timeout: wait.timeout) }
}

struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start stopped apps, process types or instances again.",
        discussion: """
            Targets: APP, APP:TYPE, APP:TYPE.N, addon:NAME or all (every add-on first, answering, then every \
            app). Starting blog or blog:web also starts blog:web.2.

            Returns once every instance named is RUNNING (ready, as its type's readiness says) or has finished (a \
            one-shot type that exited 0), and exits 1 as soon as one of them crashes instead (BACKOFF, FATAL, \
            EXITED). It gives up after the type's startsecs, or start_timeout with port or notify readiness, plus \
            30 s (or --timeout). An app without a release starts nothing. With --no-wait it returns as soon as \
            dokuend has the change.

            During a deploy: takes effect at once, without waiting for it, and the release the deploy makes runs \
            what was started.
            """)

    @OptionGroup var options: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "APP, APP:TYPE, APP:TYPE.N, addon:NAME or all.") var targets: [String] = []

    func validate() throws { try validateStopTargets(targets) }

    func run() async throws { try setStopped(false, targets, options, noWait: wait.noWait, timeout: wait.timeout) }
}

/// How `stop` and `start` wait for the instances.
struct WaitOptions: ParsableArguments {
    @Flag(help: "Return once dokuend has the change, without waiting for the instances.")
    var noWait = false

    @Option(
        help: ArgumentHelp(
            "Give up waiting after this many seconds, 1 to 86400 (default: the types' timeouts plus 30 s).",
            valueName: "seconds"))
    var timeout: Int?

    func validate() throws {
        if let timeout, !(1...86_400).contains(timeout) {
            throw ValidationError("invalid --timeout \"\(timeout)\": it takes whole seconds from 1 to 86400")
        }
    }

    /// The margin added to the types' own timeouts: the time to notice, to start a shim, to reap it.
    static let marginSeconds = 30
}

func validateStopTargets(_ targets: [String]) throws {
    guard !targets.isEmpty else {
        throw ValidationError("name at least one target: APP, APP:TYPE, APP:TYPE.N, addon:NAME or all")
    }
    for target in targets {
        do {
            if let addon = addonTarget(target) { _ = try AppName(addon) } else { _ = try Target(target) }
        } catch { throw ValidationError(error.description) }
    }
}

/// The add-on an `addon:NAME` target names (docs/ADDONS.md), or nil for an instance target.
func addonTarget(_ text: String) -> String? {
    text.hasPrefix(StatusCommand.addonPrefix) ? String(text.dropFirst(StatusCommand.addonPrefix.count)) : nil
}

/// Stops one app and waits until it is gone (`dokuen shutdown --application`, Dokuen 2012's spelling).
func setStopped(_ stopped: Bool, _ target: String, _ options: GlobalOptions) throws {
    try setStopped(stopped, [target], options, noWait: false, timeout: nil)
}

/// Stops or starts every target in turn, waits until it happened (unless `--no-wait`), then says so once.
func setStopped(_ stopped: Bool, _ texts: [String], _ options: GlobalOptions, noWait: Bool, timeout: Int?) throws {
    let client = try DaemonClient(options)
    let verb = stopped ? "stop" : "start"
    var targets: [Target] = []
    // Each app's formation after the last change, whose wanted slots a start waits for.
    var formations: [String: [FormationEntry]] = [:]
    // Add-ons (docs/ADDONS.md): those named, and with `all` every one; they start before the apps and stop after
    // them, and dokuend answers once a stopped one is gone or a started one answers.
    var addons = texts.compactMap(addonTarget)
    if texts.contains("all") {
        addons += ((try? client.call("GET", "/v1/addons", as: [AddonInfo].self)) ?? []).map(\.name)
    }
    func tendAddons() throws {
        for name in addons { _ = try client.call("POST", "/v1/addons/\(name)/\(verb)", as: AddonInfo.self) }
    }
    if !stopped { try tendAddons() }
    for text in texts where addonTarget(text) == nil {
        let target: Target
        do { target = try Target(text) } catch { throw ValidationError(error.description) }
        targets.append(target)
        func post(_ app: String, _ query: String = "") throws {
            formations[app] = try client.call(
                "POST", "/v1/apps/\(app)/\(verb)\(query)", as: [FormationEntry].self)
        }
        switch target {
        case .all: for app in try client.call("GET", "/v1/apps", as: [AppInfo].self) { try post(app.name) }
        case .app(let app): try post(app.rawValue)
        case .type(let app, let type): try post(app.rawValue, "?type=\(type)")
        case .slot(let app, let type, let index): try post(app.rawValue, "?type=\(type)&index=\(index)")
        }
    }
    let subject = texts.joined(separator: " ")
    if noWait {
        if stopped { try tendAddons() }
        return print("\(stopped ? "Stopping" : "Starting") \(subject)")
    }
    try client.wait(try stopStartPlan(stopped, targets, formations, subject: subject, client: client, timeout: timeout))
    if stopped { try tendAddons() }
    print("\(stopped ? "Stopped" : "Started") \(subject)")
    // A deploy in progress honours the change (docs/DESIGN.md §2, "Verbs during a deploy"): say what it will do.
    for app in formations.keys.sorted() {
        guard let deploys = try? client.call("GET", "/v1/apps/\(app)/deploys", as: [DeployOutcome].self),
            let running = deploys.last(where: { $0.state == "running" })
        else { continue }
        print(
            "Deploy \(running.id) of \(app)" + (running.source.map { " (\($0))" } ?? "") + " is still running; "
                + (stopped ? "what it releases stays stopped too" : "what it releases runs these too"))
    }
}

/// What `stop` or `start` waits for, and how long: each type's own timeout from its settings plus a margin, unless
/// `--timeout` says otherwise.
private func stopStartPlan(
    _ stopped: Bool, _ targets: [Target], _ formations: [String: [FormationEntry]], subject: String,
    client: DaemonClient, timeout: Int?
) throws -> WaitPlan {
    var slots: [InstanceSlot] = []
    var timeouts: [String: [String: (seconds: Int, note: String)]] = [:]
    for (app, formation) in formations {
        // Nothing starts before an app's first release: its counts wait for the first deploy.
        let released = try client.call("GET", "/v1/apps/\(app)", as: AppInfo.self).release != nil
        if !stopped && released {
            slots += formation.flatMap { $0.wantedSlots(app: app) }.filter { slot in
                targets.contains { $0.names(slot) }
            }
        }
        let settings = try client.call("GET", "/v1/apps/\(app)/settings", as: [ProcessSettingsEntry].self)
        for entry in settings where targets.contains(where: { $0.covers(app: app, type: entry.type) }) {
            timeouts[app, default: [:]][entry.type] = typeTimeout(entry.settings, stopping: stopped)
        }
    }
    let own = timeouts.values.flatMap(\.values).map(\.seconds).max() ?? 0
    let seconds = timeout ?? own + WaitOptions.marginSeconds
    return WaitPlan(
        goal: stopped ? .gone(targets) : .running(slots), deadlineMilliseconds: seconds * 1000,
        verb: stopped ? "stop" : "start", subject: subject
    ) { slot in timeouts[slot.app]?[slot.type]?.note }
}

/// How long one instance of a type with `settings` may take to stop (its stop timeout) or to start (its startsecs,
/// or its start timeout with port or notify readiness), in seconds, and the progress line's note about it.
func typeTimeout(_ settings: [String: String], stopping: Bool) -> (seconds: Int, note: String) {
    func seconds(_ key: String, _ fallback: Int) -> Int { settings[key].flatMap { Int($0) } ?? fallback }
    if stopping {
        let timeout = seconds("stop_timeout", 30)
        return (timeout, "stop timeout \(timeout) s")
    }
    if (settings["readiness"] ?? "startsecs") == "startsecs" {
        let startsecs = seconds("startsecs", 1)
        return (startsecs, "startsecs \(startsecs) s")
    }
    let timeout = seconds("start_timeout", 60)
    return (timeout, "start timeout \(timeout) s")
}

func validateApp(_ app: String) throws {
    do { _ = try AppName(app) } catch { throw ValidationError(error.description) }
}
