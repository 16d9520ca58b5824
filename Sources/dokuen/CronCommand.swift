import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// `dokuen cron list|run|suspend|resume APP`: the scheduled jobs of app.json's `cron` (docs/CRON.md).
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "List, run, suspend and resume an app's scheduled jobs (app.json \"cron\").",
        discussion: """
            Jobs come from the "cron" list of the current release's app.json, Heroku's and Dokku's format: \
            {"cron": [{"command": "python manage.py clearsessions", "schedule": "0 3 * * *"}]}. A schedule has \
            five fields (minute hour day-of-month month day-of-week, with ranges, lists, steps and names) or is \
            one of @hourly, @daily, @weekly, @monthly, @yearly, @reboot (once each time dokuend starts). It is \
            read in the app's TZ (dokuen config set APP TZ=Europe/Berlin), else the host's zone. dokuend fires \
            each job as a one-off process (as `dokuen run` runs one: the release's environment, the app's user), \
            its output in apps/APP/logs/cron.ID.log. A job still running when it is due again is skipped (its log \
            and `cron list` say so). A time missed while dokuend was down is not made up. A job's id is a hash of \
            its schedule and command: it stays while they do. Details: docs/CRON.md.
            """,
        subcommands: [List.self, Run.self, Suspend.self, Resume.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Show each job: id, schedule, command, next run, last run.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String

        func validate() throws { try validateApp(app) }

        func run() async throws {
            let jobs = try DaemonClient(options).call("GET", "/v1/apps/\(app)/cron", as: [CronJobStatus].self)
            if options.json { return try printJSON(jobs) }
            guard !jobs.isEmpty else {
                print("\(app) has no cron jobs (its current release's app.json has no \"cron\" entries)")
                return
            }
            for job in jobs {
                var next = job.next.map { UTCTime.text($0) } ?? "at dokuend's start"
                if job.suspended { next = "suspended" }
                var last = "never"
                if let run = job.last {
                    if run.trigger == "skipped" {
                        last = "\(UTCTime.text(run.startedAt)) skipped (still running)"
                    } else {
                        let end = run.exit.map { "exit \($0)" } ?? "signal \(run.signal ?? 0)"
                        last = "\(UTCTime.text(run.startedAt)) \(end) in \(run.durationMilliseconds ?? 0) ms"
                    }
                }
                if let running = job.running { last = "running since \(UTCTime.text(running)); before: \(last)" }
                print("\(job.id)  \(job.schedule)  \(job.command)")
                print("          zone \(job.zone); next: \(next); last: \(last)")
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a job now and stream its output; exit as it did.",
            discussion: """
                The run is recorded and logged as a scheduled one is. If the job is running already, it is not \
                started twice: this fails and says since when it runs. Its exit status is the job's, or 128+N \
                when signal N ended it.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "The job's id (dokuen cron list).") var id: String

        func validate() throws {
            try validateApp(app)
            try validateJob(id)
        }

        func run() async throws {
            try RunCommand.streamRun(
                "/v1/apps/\(app)/cron/\(id)/run", options: options,
                cutShort: "the connection to dokuend ended before the job did; see dokuen cron list \(app)")
        }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "suspend",
            abstract: "Stop a job (or every job of the app) from firing, until resume.",
            discussion: "A run in progress goes on. `cron run` still runs a suspended job. Kept across deploys.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "One job's id; every job when omitted.") var id: String?

        func validate() throws {
            try validateApp(app)
            if let id { try validateJob(id) }
        }

        func run() async throws { try change("suspend", app, id, options) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resume",
            abstract: "Let a suspended job (or every job of the app) fire again.",
            discussion: "Without an id, every suspension of the app ends, each job's own included.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The app.") var app: String
        @Argument(help: "One job's id; every job when omitted.") var id: String?

        func validate() throws {
            try validateApp(app)
            if let id { try validateJob(id) }
        }

        func run() async throws { try change("resume", app, id, options) }
    }

    /// A job id is 8 lowercase hex digits (CronJob); checked here too, since it goes into the request's path.
    static func isJobID(_ text: String) -> Bool {
        text.utf8.count == 8 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    static func change(_ verb: String, _ app: String, _ id: String?, _ options: GlobalOptions) throws {
        let answer = try DaemonClient(options).call(
            "POST", "/v1/apps/\(app)/cron/\(verb)", body: CronSuspension(job: id), as: [String: Bool].self)
        if options.json { return try printJSON(answer) }
        let what = id.map { "cron job \($0) of \(app)" } ?? "every cron job of \(app)"
        let done = verb == "suspend" ? "suspended" : "resumed"
        print(answer["changed"] == true ? "\(what): \(done)" : "\(what): already \(done)")
    }
}

/// Refuses what cannot be a job's id, in the words dokuend uses.
func validateJob(_ id: String) throws {
    guard CronCommand.isJobID(id) else {
        throw ValidationError("invalid cron job \(Quoting.quoted(id)): a job id is 8 hex digits (dokuen cron list)")
    }
}
