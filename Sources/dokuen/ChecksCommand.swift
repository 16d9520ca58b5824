import ArgumentParser
import DokuenAPI
import DokuenCore

/// `dokuen checks [report|set|run|enable|disable] APP`, after Dokku's `checks:*`.
struct ChecksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks",
        abstract: "Health checks before a new release takes traffic, and zero-downtime cutovers.",
        discussion: """
            Every deploy, config change, ps set and rollback starts the new instances beside the old ones and waits \
            for them before nginx routes to them:
              1. each new web instance's port ($PORT) must accept a connection within the boot timeout \
            (dokuend --boot-timeout, 60 s), counted from the start of the new instances;
              2. then each HTTP check must pass on every web instance: GET PATH answers STATUS (and CONTENT).
            The HTTP checks are those of `dokuen checks set` when the app has one, else the app.json \
            "healthchecks" of its build (Dokku's format, e.g. {"healthchecks": {"web": [{"path": "/health", \
            "content": "ok", "attempts": 3}]}}). A failed check stops the new instances; the old ones never stop \
            serving, and the deploy fails.

            `checks disable` turns zero-downtime off: a cutover then stops the old instances first (for an app \
            that cannot run twice at once), so the app is down until the new ones pass their checks.
            """,
        subcommands: [Report.self, SetCheck.self, Run.self, Enable.self, Disable.self], defaultSubcommand: Report.self)

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: "Show an app's checks, where they come from, and zero-downtime.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let report = try DaemonClient(options).call("GET", "/v1/apps/\(app)/checks", as: ChecksReport.self)
            if options.json { return try printJSON(report) }
            printReport(report, app: app)
        }
    }

    /// `dokuen checks set blog path=/health content=ok attempts=3`.
    struct SetCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Set the app's HTTP check (it replaces app.json's).", discussion: help)

        static var help: String {
            let keys = HealthCheck.Key.allCases.map { key in
                "  \(key) [\(HealthCheck().value(key).isEmpty ? "none" : HealthCheck().value(key))]: "
                    + "\(key.summary); \(key.allowed)"
            }
            return """
                KEY= (nothing after the =) puts a key back to its default; --clear removes the whole check, and \
                app.json's checks apply again. The check applies from the next cutover (not one under way: it \
                does not wait for a deploy in progress); `dokuen checks run APP` tries it now against what serves.

                Keys (default in brackets):
                \(keys.joined(separator: "\n"))
                  auto_rollback [0]: seconds after a cutover during which a release whose instances crash-loop \
                (BACKOFF or FATAL) or fail a liveness check is rolled back to the release before it (code and \
                config, as dokuen rollback does; it queues behind a deploy); 0 turns it off; 0 to 3600

                Examples:
                  dokuen checks set blog path=/health
                  dokuen checks set blog path=/up content=ok attempts=10 wait=3
                  dokuen checks set blog content=
                  dokuen checks set blog --clear
                  dokuen checks set blog auto_rollback=60
                """
        }

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Remove the app's check first (alone: go back to app.json's).") var clear = false
        @Argument(help: "The app.") var app: String
        @Argument(help: "KEY=VALUE settings; KEY= unsets.") var settings: [String] = []

        func validate() throws {
            try validateApp(app)
            guard !settings.isEmpty || clear else {
                throw ValidationError(
                    "name at least one KEY=VALUE, or --clear; the keys are "
                        + HealthCheck.Key.allCases.map(\.rawValue).joined(separator: ", "))
            }
            _ = try change()
        }

        /// The request, checked here so that a bad setting fails before the daemon is asked (exit 64).
        func change() throws -> ChecksChange {
            // auto_rollback is checked by dokuend (whole seconds, 0 to 3600); the HTTP check's keys here.
            let prefix = "auto_rollback="
            var extra: [String: String] = [:]
            var extraUnset: [String] = []
            for setting in settings where setting.hasPrefix(prefix) {
                let value = String(setting.dropFirst(prefix.count))
                if value.isEmpty { extraUnset.append("auto_rollback") } else { extra["auto_rollback"] = value }
            }
            do {
                let (set, unset) = try HealthCheck.assignments(settings.filter { !$0.hasPrefix(prefix) })
                return ChecksChange(
                    set: Dictionary(uniqueKeysWithValues: set.map { ($0.0.rawValue, $0.1) }).merging(extra) { $1 },
                    unset: unset.map(\.rawValue) + extraUnset, clear: clear)
            } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let report = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/checks", body: try change(), as: ChecksReport.self)
            if options.json { return try printJSON(report) }
            print(
                "Changed the checks of \(app); they apply from the next cutover (dokuen checks run \(app) tries them now)"
            )
            printReport(report, app: app)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run the checks now against the web instances that serve.",
            discussion: "Exits 1 when a check fails. Example: dokuen checks run blog")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let result = try DaemonClient(options).call(
                "POST", "/v1/apps/\(app)/checks/run", as: ChecksRunResult.self)
            if options.json {
                try printJSON(result)
            } else {
                if result.results.isEmpty { print("\(app) has no web process to check") }
                for line in result.results {
                    let port = line.port > 0 ? " (port \(line.port))" : ""
                    print("\(line.passed ? "ok  " : "FAIL") \(app):\(line.dyno)\(port): \(line.detail)")
                }
            }
            if !result.passed { throw ExitCode(1) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enable", abstract: "Zero-downtime cutovers: new instances start before old ones stop.",
            discussion: "From the next cutover; it does not wait for a deploy in progress, which goes on as it began.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try await setZeroDowntime(
                true, app: app, options: options, said: "Zero-downtime cutovers are on for \(app)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disable",
            abstract: "Cutovers stop the old instances first (the app is down until the new ones pass).",
            discussion: "From the next cutover; it does not wait for a deploy in progress, which goes on as it began.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            try await setZeroDowntime(
                false, app: app, options: options,
                said: "Zero-downtime cutovers are off for \(app): the next cutover stops the old instances first")
        }
    }
}

/// `checks enable|disable`: the call, then the report as JSON or `said`.
private func setZeroDowntime(_ on: Bool, app: String, options: GlobalOptions, said: String) async throws {
    let report = try DaemonClient(options).call(
        "POST", "/v1/apps/\(app)/checks/\(on ? "enable" : "disable")", as: ChecksReport.self)
    if options.json { return try printJSON(report) }
    print(said)
}

private func printReport(_ report: ChecksReport, app: String) {
    print("\(app): zero-downtime \(report.zeroDowntime ? "on" : "off (dokuen checks enable \(app))")")
    print("  port check: every web instance's $PORT accepts a connection within the boot timeout (60 s unless set)")
    if report.checks.isEmpty { print("  HTTP checks: none (dokuen checks set \(app) path=/health, or app.json)") }
    for check in report.checks {
        let content = check["content"].flatMap { $0.isEmpty ? nil : " containing \"\($0)\"" } ?? ""
        print(
            "  HTTP check (\(report.source)): GET \(check["path"] ?? "/") → \(check["status"] ?? "200")\(content); "
                + "attempts \(check["attempts"] ?? "?"), wait \(check["wait"] ?? "?") s, "
                + "timeout \(check["timeout"] ?? "?") s, initial_delay \(check["initial_delay"] ?? "?") s")
    }
    for note in report.notes { print("  app.json: \(note)") }
    for liveness in report.liveness ?? [] { print("  app.json: \(liveness)") }
    if let seconds = report.autoRollback {
        print(
            seconds == 0
                ? "  auto-rollback: off (dokuen checks set \(app) auto_rollback=SECONDS)"
                : "  auto-rollback: a release whose instances crash-loop or fail liveness within \(seconds) s of its "
                    + "cutover is rolled back to the one before")
    }
}
