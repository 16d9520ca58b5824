public import DokuenCore
import DokuenPosix
import Foundation

/// One scheduled job of an app (docs/CRON.md): an entry of app.json's `cron`, `{"command": …, "schedule": …}`.
public struct CronJob: Equatable, Sendable {
    /// Eight hex digits that name the job in `dokuen cron` and its log (`logs/cron.<id>.log`): a hash of its schedule
    /// and command, so that a job keeps its id (and its history) across deploys until one of them changes.
    public let id: String
    public let schedule: CronSchedule
    public let command: String

    public init(schedule: CronSchedule, command: String) {
        self.schedule = schedule
        self.command = command
        let text = schedule.text + "\n" + command
        let hash = text.utf8.reduce(UInt32(0x811c_9dc5)) { ($0 ^ UInt32($1)) &* 0x0100_0193 }
        let hex = String(hash, radix: 16)
        id = String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Whether `text` has the shape of a job id (eight lowercase hex digits).
    public static func isID(_ text: String) -> Bool {
        text.utf8.count == 8 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// The `cron` key of a build's app.json, read apart from `AppManifest` (which reads the other keys): every entry's
/// `schedule` must parse and its `command` be a non-empty string without NUL, or the whole list is refused with the
/// entry's line, column and what is wrong. Other keys of an entry are named in `notes`, never silently dropped.
public struct CronManifest: Equatable, Sendable {
    public var jobs: [CronJob] = []
    public var notes: [String] = []

    public init(jobs: [CronJob] = [], notes: [String] = []) {
        self.jobs = jobs
        self.notes = notes
    }

    /// The most jobs an app may have.
    public static let maxJobs = 100

    /// Reads `<build>/app.json`'s `cron`: no jobs when there is no app.json or no `cron` key.
    public static func load(buildDirectory: String) throws(BuildError) -> CronManifest {
        let bytes: [UInt8]?
        do throws(PosixError) {
            bytes = try Posix.readUserFile(buildDirectory + "/app.json", limit: AppManifest.maxSize)
        } catch {
            throw .manifest(reason: "app.json could not be read: \(error)")
        }
        guard let bytes else { return CronManifest() }
        return try parse(bytes)
    }

    public static func parse(_ bytes: [UInt8]) throws(BuildError) -> CronManifest {
        let text: [UInt8]
        do throws(JSONText.Failure) { text = try JSONText.withoutComments(bytes) } catch {
            throw AppManifest.located(error.offset, error.message, in: bytes)
        }
        if let failure = JSONText.firstError(text) {
            throw AppManifest.located(failure.offset, failure.message, in: bytes)
        }
        func fail(_ path: [JSONText.PathKey], _ message: String) -> BuildError {
            AppManifest.located(JSONText.offset(of: path, in: text) ?? 0, message, in: bytes)
        }
        guard let top = try? JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) else {
            throw fail([], "it is not JSON")
        }
        guard let object = top as? [String: Any], let cron = object["cron"] else { return CronManifest() }
        guard let entries = cron as? [Any] else {
            throw fail([.key("cron")], "cron: expected a list of {\"command\", \"schedule\"} objects")
        }
        guard entries.count <= maxJobs else { throw fail([.key("cron")], "cron: more than \(maxJobs) jobs") }
        var manifest = CronManifest()
        for (position, entry) in entries.enumerated() {
            let path: [JSONText.PathKey] = [.key("cron"), .index(position)]
            let label = "cron[\(position)]"
            guard let fields = entry as? [String: Any] else {
                throw fail(path, "\(label): expected an object with \"command\" and \"schedule\"")
            }
            guard let command = fields["command"] as? String, !command.isEmpty, !command.utf8.contains(0) else {
                throw fail(path + [.key("command")], "\(label).command: expected a non-empty string")
            }
            guard let scheduleText = fields["schedule"] as? String else {
                throw fail(path + [.key("schedule")], "\(label).schedule: expected a string such as \"*/5 * * * *\"")
            }
            let schedule: CronSchedule
            do throws(CoreError) { schedule = try CronSchedule(scheduleText) } catch {
                throw fail(path + [.key("schedule")], "\(label).schedule: \(error)")
            }
            for key in fields.keys.sorted() where key != "command" && key != "schedule" {
                manifest.notes.append("\(label).\(Quoting.printable(key, limit: 60)): not used by Dokuen; ignored")
            }
            let job = CronJob(schedule: schedule, command: command)
            if let same = manifest.jobs.firstIndex(where: { $0.id == job.id }) {
                throw fail(path, "\(label): the same schedule and command as cron[\(same)]")
            }
            manifest.jobs.append(job)
        }
        return manifest
    }
}
