import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenSupervision

/// Reads the actual state: the service directories under `run/svc/<app>/` and their shims' `status` files
/// (docs/SHIM.md). Liveness comes from each directory's `lock`, never from a pid. It keeps nothing: the supervisor
/// keeps what it read (`ObservedFleet`) and asks again only for what changed.
struct InstanceObserver: Sendable {
    let layout: RootLayout
    /// This boot's id (`/proc/sys/kernel/random/boot_id`): a status record from another boot names pids that mean
    /// nothing now.
    let bootID: String

    init(layout: RootLayout) {
        self.layout = layout
        let raw = (try? Posix.readFile("/proc/sys/kernel/random/boot_id")) ?? []
        bootID = String(decoding: raw.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    /// The instances on disk with their shims' status: every service directory read.
    func observed() throws -> [ObservedInstance] {
        var result: [ObservedInstance] = []
        guard Posix.isDirectory(layout.serviceDirectory) else { return [] }
        for appName in try Posix.listDirectory(layout.serviceDirectory) {
            guard let app = try? AppName(appName) else { continue }
            for name in try Posix.listDirectory(layout.serviceDirectory + "/" + appName) {
                guard let id = try? InstanceID(app: app, directoryName: name) else { continue }
                result.append(read(id))
            }
        }
        return result
    }

    /// The instance of `id` as its directory has it now; nil when it has no directory.
    func observed(_ id: InstanceID) -> ObservedInstance? {
        Posix.isDirectory(layout.serviceDirectory(id)) ? read(id) : nil
    }

    /// The instance whose service directory is `directory` (`…/svc/APP/TYPE.N@vR`, as a shim's event names it);
    /// nil for any other path (an add-on's, a cron run's). Only the last three parts count: a shim started by an
    /// earlier dokuend whose root was spelled otherwise (a symlink, a trailing slash) still names its instance.
    func instance(directory: String) -> InstanceID? {
        let parts = directory.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "svc", let app = try? AppName(String(parts[parts.count - 2]))
        else { return nil }
        return try? InstanceID(app: app, directoryName: String(parts[parts.count - 1]))
    }

    private func read(_ id: InstanceID) -> ObservedInstance {
        let directory = layout.serviceDirectory(id)
        let alive = (try? FileLock.isHeld(directory + "/lock")) ?? false
        var status = self.status(directory: directory)
        // A record from an earlier boot names pids that mean nothing now: never signal them.
        if let record = status, !alive, record.bootID != bootID {
            status?.pgid = 0
            status?.pid = 0
        }
        return ObservedInstance(id: id, shimAlive: alive, status: status)
    }

    /// The last `status` the shim of `id` wrote, if it reads.
    func status(of id: InstanceID) -> StatusRecord? {
        status(directory: layout.serviceDirectory(id))
    }

    private func status(directory: String) -> StatusRecord? {
        (try? Posix.readFile(directory + "/status")).flatMap {
            StatusRecord(decoding: String(decoding: $0, as: UTF8.self))
        }
    }
}
