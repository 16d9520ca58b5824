import DokuenBuild
import DokuenCore
import DokuenPosix
import DokuenSupervision
import DokuenThreads

/// Where a cron job's run lives while it runs (docs/CRON.md, How a job runs): the service directory of its
/// dokuen-shim, `run/cron/APP/ID/`, beside `run/svc/` (instances) and `run/addons/`, so that neither the reconciler
/// nor `status` adopts it. dokuend writes `cron-run` there before the shim starts: the store's row of the run and
/// when it began, which a dokuend started later reads to re-attach to a live shim, or to record the end of one that
/// is gone.
struct CronRunDirectory: Sendable {
    let app: AppName
    let job: String
    let path: String

    init(layout: RootLayout, app: AppName, job: String) {
        self.app = app
        self.job = job
        path = Self.root(layout) + "/" + app.rawValue + "/" + job
    }

    /// `run/cron`: every app's runs.
    static func root(_ layout: RootLayout) -> String { layout.runDirectory + "/cron" }

    /// The scheduler's key of the job: `APP/ID`, also the directory's last two components.
    var key: String { app.rawValue + "/" + job }

    var lock: String { path + "/lock" }
    var statusFile: String { path + "/status" }
    var marker: String { path + "/cron-run" }

    /// Whether a shim holds the directory's lock: the run goes on.
    var isAlive: Bool { (try? FileLock.isHeld(lock)) ?? false }

    /// The shim's last status, nil when it wrote none.
    func status() -> StatusRecord? {
        (try? Posix.readFile(statusFile)).flatMap { StatusRecord(decoding: String(decoding: $0, as: UTF8.self)) }
    }

    /// What `cron-run` holds: the store's run id, the start in UTC milliseconds, and the trigger.
    struct Marker: Equatable, Sendable {
        var runID: Int64
        var startedMilliseconds: Int64
        var trigger: String

        var encoded: String {
            "run_id=\(runID)\nstarted_ms=\(startedMilliseconds)\ntrigger=\(trigger)\n"
        }

        /// Parses `encoded`'s text; nil when a key is missing or malformed.
        init?(decoding text: String) {
            var fields: [Substring: Substring] = [:]
            for line in text.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[line[..<equals]] = line[line.index(after: equals)...]
            }
            guard let id = fields["run_id"].flatMap({ Int64($0) }),
                let started = fields["started_ms"].flatMap({ Int64($0) }), let trigger = fields["trigger"]
            else { return nil }
            self.init(runID: id, startedMilliseconds: started, trigger: String(trigger))
        }

        init(runID: Int64, startedMilliseconds: Int64, trigger: String) {
            self.runID = runID
            self.startedMilliseconds = startedMilliseconds
            self.trigger = trigger
        }
    }

    func writeMarker(_ marker: Marker) throws {
        try AtomicFile.write(Array(marker.encoded.utf8), to: self.marker)
    }

    func readMarker() -> Marker? {
        (try? Posix.readFile(marker)).flatMap { Marker(decoding: String(decoding: $0, as: UTF8.self)) }
    }

    /// The run directories on disk, by app and job (names that are not an app's or a job id are skipped).
    static func all(_ layout: RootLayout) -> [CronRunDirectory] {
        var found: [CronRunDirectory] = []
        for name in (try? Posix.listDirectory(root(layout))) ?? [] {
            guard let app = try? AppName(name) else { continue }
            for job in (try? Posix.listDirectory(root(layout) + "/" + name)) ?? [] where CronJob.isID(job) {
                found.append(CronRunDirectory(layout: layout, app: app, job: job))
            }
        }
        return found
    }

    /// Waits up to `milliseconds` for the shim of `pid` to exit (its pidfd polls readable, pidfd_open(2)), on a
    /// thread of its own; true once it is gone.
    static func awaitExit(of pid: Int32, milliseconds: Int32) async -> Bool {
        guard pid > 0 else { return true }
        return await BlockingThread.run("dokuend cron shim") {
            switch try? Posix.openPidFD(pid) {
            case .opened(let fd):
                defer { Posix.close(fd) }
                return (try? Posix.waitReadable(fd, milliseconds: milliseconds)) ?? false
            case .exited: return true
            case .unsupported, nil: return false
            }
        }
    }
}
