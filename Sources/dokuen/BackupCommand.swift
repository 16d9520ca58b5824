import ArgumentParser
import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenSupervision

/// `dokuen backup init|create|list|check|forget|schedule`: restic snapshots of the whole platform, taken by dokuend
/// (docs/BACKUP.md).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the whole platform with restic: create, list, check, forget and schedule snapshots.",
        discussion: """
            dokuend takes the snapshots (it owns the store and may read every app's files) into the restic \
            repository it was started with: dokuend --backup-repo REPO --backup-password-file FILE \
            [--backup-option KEY=VALUE…], REPO a directory outside the root, sftp:user@host:/path, s3:… or rest:…. \
            A snapshot holds the store (SQLite's online backup), each app's env, repository, data/ (its SQLite \
            databases through the online backup too), certificates, each add-on's dump, settings and secret, the \
            installed buildpacks, the keys that may push, and the builds only with --with-builds. One backup verb \
            runs at a time: another is refused while one runs. dokuen restore puts a snapshot back. Details: \
            docs/BACKUP.md.
            """,
        subcommands: [Init.self, Create.self, List.self, Check.self, Forget.self, Schedule.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create the repository dokuend was started with (restic init).",
            discussion: "Refused when it exists already. Keep the password file safe: without it the repository "
                + "cannot be read by anyone.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let answer = try DaemonClient(options).call(
                "POST", "/v1/backups/init", body: [String: String](), as: [String: String].self)
            if options.json { return try printJSON(answer) }
            print("created restic repository \(answer["repository"] ?? "?")")
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Take one snapshot of the whole platform; show its progress, id, size and what changed.",
            discussion: """
                It runs to its end even if this command is interrupted (see dokuen events). A second create while \
                one runs is refused. With --json, prints the summary: snapshotID, filesNew, filesChanged, \
                filesUnmodified, dataAdded (what the repository grew by), totalBytes, durationSeconds, warnings.
                """)
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Also keep the builds of kept releases (a restore then starts them without rebuilding).")
        var withBuilds = false

        func run() async throws {
            var lines = LineSplitter()
            var summary: BackupSummary?
            var failure: String?
            let json = options.json
            try DaemonClient(options).stream(
                "POST", "/v1/backups" + (withBuilds ? "?builds=1" : ""), body: []
            ) { chunk in
                for line in lines.feed(chunk) {
                    guard let event = try? decodeJSON(BackupEvent.self, line), event != BackupEvent() else { continue }
                    if let text = event.line, !json {
                        print(text)
                        Posix.flushOutput()
                    }
                    if let found = event.summary { summary = found }
                    if let error = event.error { failure = error }
                }
            }
            if let failure { throw CLIError(message: failure) }
            guard let summary else {
                throw CLIError(
                    message: "the connection to dokuend ended before the backup did; see dokuen events and dokuen "
                        + "backup list")
            }
            if json { return try printJSON(summary) }
            print(Self.text(summary))
        }

        static func text(_ summary: BackupSummary) -> String {
            """
            snapshot \(summary.shortID) taken in \(Int(summary.durationSeconds.rounded())) s\
            \(summary.withBuilds ? " (with builds)" : "")
              size: \(ByteSize.text(summary.totalBytes)) in \(summary.totalFiles) files
              changed: \(summary.filesNew) new, \(summary.filesChanged) changed, \(summary.filesUnmodified) \
            unmodified files
              added to the repository: \(ByteSize.text(summary.dataAdded))
            """ + summary.warnings.map { "\n  warning: " + $0 }.joined()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the repository's snapshots, oldest first: id, time, host, size, tags.",
            discussion: "The time is restic's, in the offset of the machine that took it. The size is known for "
                + "the snapshots this daemon took.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let snapshots = try DaemonClient(options).call("GET", "/v1/backups", as: [BackupSnapshot].self)
            if options.json { return try printJSON(snapshots) }
            guard !snapshots.isEmpty else {
                print("no snapshots yet (dokuen backup create takes one)")
                return
            }
            for snapshot in snapshots {
                let time = String(snapshot.time.prefix(19).map { $0 == "T" ? " " : $0 })
                let size = snapshot.totalBytes.map { ByteSize.text($0) } ?? "-"
                print(
                    "\(snapshot.shortID)  \(time)  \(snapshot.host)  \(size)  \(snapshot.tags.joined(separator: ","))")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify the repository (restic check) and stream its output; exit non-zero when it fails.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try RunCommand.streamRun(
                "/v1/backups/check", body: [], options: options,
                cutShort: "the connection to dokuend ended before the check did")
        }
    }

    /// The keep rules, shared by forget and schedule.
    struct Keep: ParsableArguments {
        @Option(help: "Keep the newest N snapshots.") var keepLast: Int?
        @Option(help: "Keep the newest snapshot of each of the last N days that have one.") var keepDaily: Int?
        @Option(help: "Keep the newest snapshot of each of the last N ISO weeks that have one.") var keepWeekly: Int?
        @Option(help: "Keep the newest snapshot of each of the last N months that have one.") var keepMonthly: Int?
        @Flag(help: "Also remove the data no snapshot uses any more (restic --prune; slower).") var prune = false

        var retention: BackupRetention {
            BackupRetention(
                last: keepLast ?? 0, daily: keepDaily ?? 0, weekly: keepWeekly ?? 0, monthly: keepMonthly ?? 0,
                prune: prune)
        }

        var isEmpty: Bool { [keepLast, keepDaily, keepWeekly, keepMonthly].allSatisfy { ($0 ?? 0) == 0 } }

        func validate() throws {
            for (flag, value) in [
                ("--keep-last", keepLast), ("--keep-daily", keepDaily), ("--keep-weekly", keepWeekly),
                ("--keep-monthly", keepMonthly),
            ] {
                if let value, !(0...100_000).contains(value) {
                    throw ValidationError("invalid \(flag) \(value): it takes a number of snapshots from 0 to 100000")
                }
            }
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Forget the snapshots the keep rules do not keep (restic forget).",
            discussion: """
                restic's rules: the snapshots are taken newest first, and --keep-daily N keeps the newest snapshot \
                of each of the last N days that have one (weekly: ISO weeks, monthly: months, in the offset each \
                snapshot was taken in); a snapshot kept by any rule is kept. At least one keep rule is required. \
                Only this host's snapshots are looked at. Example: dokuen backup forget --keep-daily 7 \
                --keep-weekly 4 --keep-monthly 12 --prune.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keep: Keep

        func validate() throws {
            guard !keep.isEmpty else {
                throw ValidationError(
                    "give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly; forget with no "
                        + "rule would forget every snapshot")
            }
        }

        func run() async throws {
            let result = try DaemonClient(options).call(
                "POST", "/v1/backups/forget", body: keep.retention, as: BackupForgetResult.self)
            if options.json { return try printJSON(result) }
            print("kept \(result.kept.count): \(result.kept.joined(separator: " "))")
            print(
                "removed \(result.removed.count)" + (result.removed.isEmpty ? "" : ": ")
                    + result.removed.joined(separator: " ") + (result.pruned ? " (and pruned)" : ""))
            if !result.agrees {
                print("warning: restic kept another set than dokuen's reading of the rules; see dokuend's log")
            }
        }
    }

    struct Schedule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schedule",
            abstract: "Show, set or turn off dokuend's backup schedule.",
            discussion: """
                Forms: hourly, "daily HH:MM", "weekly DAY HH:MM" (mon…sun) or a cron expression of five fields \
                ("30 2 * * 1-5"), in the host's time zone. At each time dokuend takes a snapshot and then, with \
                keep rules, forgets as dokuen backup forget does. Without an argument, shows the schedule, the \
                next run and the last one with its outcome; off removes it. A time due while a backup still runs \
                is skipped (the event log says so); a time missed while dokuend was down is not made up. Example: \
                dokuen backup schedule "daily 03:00" --keep-daily 7 --keep-weekly 4 --keep-monthly 6.
                """)
        @OptionGroup var options: GlobalOptions
        @OptionGroup var keep: Keep
        @Argument(help: "The schedule, or off.") var schedule: String?

        func validate() throws {
            if schedule == nil || schedule == "off" {
                guard keep.isEmpty, !keep.prune else {
                    throw ValidationError(
                        "keep rules go with a schedule: dokuen backup schedule \"daily 03:00\" --keep-daily 7")
                }
            }
            if let schedule, schedule != "off" {
                do { _ = try BackupSchedule(schedule) } catch { throw ValidationError(error.description) }
            }
        }

        func run() async throws {
            let client = try DaemonClient(options)
            let info: BackupScheduleInfo
            switch schedule {
            case nil: info = try client.call("GET", "/v1/backups/schedule", as: BackupScheduleInfo.self)
            case "off": info = try client.call("DELETE", "/v1/backups/schedule", as: BackupScheduleInfo.self)
            case let text?:
                info = try client.call(
                    "PUT", "/v1/backups/schedule",
                    body: BackupScheduleRequest(schedule: text, retention: keep.retention),
                    as: BackupScheduleInfo.self)
            }
            if options.json { return try printJSON(info) }
            print(Self.text(info))
        }

        static func text(_ info: BackupScheduleInfo) -> String {
            var lines: [String] = []
            if let schedule = info.schedule {
                let rules =
                    info.retention.map { retention in
                        [
                            ("last", retention.last), ("daily", retention.daily), ("weekly", retention.weekly),
                            ("monthly", retention.monthly),
                        ].filter { $0.1 > 0 }.map { "--keep-\($0.0) \($0.1)" }
                            + (retention.prune ? ["--prune"] : [])
                    } ?? []
                lines.append(
                    "schedule: \(schedule) (\(info.zone))"
                        + (rules.isEmpty ? ", keeping every snapshot" : ", then forget " + rules.joined(separator: " "))
                )
                lines.append("next run: " + (info.next.map { UTCTime.text($0) } ?? "never"))
            } else {
                lines.append("schedule: off")
            }
            if let run = info.lastRun {
                var outcome = run.outcome ?? "running (or cut short)"
                if let error = run.error { outcome += ": " + error }
                if let id = run.snapshotID { outcome += ", snapshot " + id.prefix(8) }
                lines.append("last run: \(UTCTime.text(run.startedAt)) \(outcome)")
            } else {
                lines.append("last run: never")
            }
            return lines.joined(separator: "\n")
        }
    }
}
