import DokuenAPI
import DokuenCore
import DokuenPosix
import DokuenReconciliation
import DokuenStore
import DokuenSupervision

/// The API's view of the supervisor: its values mapped to wire types (`InstanceStatus`, `RunSpec`). The reconcile
/// loop itself knows none of them.
extension InstanceSupervisor {
    /// Every instance's status, for `GET /v1/status`, sorted by app, type, index and release. With `usage`, each
    /// app process's memory and CPU too, read from /proc (two files per process, the only per-instance reads left:
    /// the rest is what the shims' events left in memory, `ObservedFleet`); without, none is read.
    public func statuses(usage: Bool = false) async throws -> [InstanceStatus] {
        let (observed, desired, leases) = try await snapshot()
        return Self.rows(observed: observed, desired: desired, leases: leases) { pid in
            usage ? ProcessUsage.read(pid: pid) : nil
        }
    }

    /// Sends a shim control command to every live instance the targets name; returns their statuses. A target that
    /// names nothing is an error (supervisorctl's "no such process").
    public func control(_ command: ControlCommand, targets: [Target]) async throws -> [InstanceStatus] {
        let chosen = try send(command, targets: targets)
        return try await statuses().filter { status in
            chosen.contains {
                $0.app.rawValue == status.app && $0.type.rawValue == status.type && $0.index == status.index
                    && $0.release.description == status.release
            }
        }
    }

    /// The build directory, environment and user of a one-off `dokuen run` process of `app`'s current release
    /// (`DYNO=run.1`, no port).
    public func runSpec(for app: AppName) async throws -> RunSpec {
        let oneOff = try await launcher.oneOff(for: app)
        return RunSpec(
            directory: oneOff.directory, environment: oneOff.environment,
            user: oneOff.credentials == nil ? nil : AppUser(app).name)
    }

    /// `runSpec`'s directory and environment, and the credentials themselves (a cron job's shim takes ids).
    func oneOff(for app: AppName) async throws -> OneOff {
        try await launcher.oneOff(for: app)
    }

    /// The status rows of `observed` instances, plus one STOPPED row per slot that `dokuen stop` stopped and that
    /// has no instance left (as supervisorctl shows a stopped program, so `status` still names it and exits 3 for
    /// it). `usage` reads a pid's memory and CPU.
    static func rows(
        observed: [ObservedInstance], desired: [DesiredApp], leases: [PortLease],
        usage: (Int32) -> ProcessUsage?
    ) -> [InstanceStatus] {
        var stopped: [InstanceStatus] = []
        for app in desired {
            guard let release = app.release else { continue }
            for (type, process) in app.processes where process.count > 0 {
                for index in 1...min(process.count, InstanceID.maxIndex) where !process.wants(index) {
                    if observed.contains(where: { $0.id.app == app.app && $0.id.type == type && $0.id.index == index })
                    {
                        continue
                    }
                    stopped.append(
                        InstanceStatus(
                            app: app.app.rawValue, type: type.rawValue, index: index, release: release.description,
                            state: "STOPPED", pid: nil, shimPID: nil, port: nil, since: 0, restarts: 0, exit: nil))
                }
            }
        }
        var ports: [InstanceID: Int] = [:]
        for lease in leases {
            guard let id = try? InstanceID(app: lease.app, type: lease.type, index: lease.index, release: lease.release)
            else { continue }
            if ports[id] == nil { ports[id] = lease.port }
        }
        let running = observed.sorted { $0.id < $1.id }.map { instance in
            let id = instance.id
            let status = instance.status
            let alive = instance.shimAlive
            let port = ports[id]
            let pid = alive && (status?.pid ?? 0) > 0 ? status?.pid : nil
            // Only the shim's own child: a status file read just after the app exited may name a pid that
            // something else has taken since.
            let used = pid.flatMap { usage($0) }.flatMap { $0.parentPID == status?.shimPID ? $0 : nil }
            return InstanceStatus(
                app: id.app.rawValue, type: id.type.rawValue, index: id.index, release: id.release.description,
                state: alive ? (status?.state.name ?? "UNKNOWN") : "GONE", pid: pid,
                shimPID: alive ? status?.shimPID : nil, port: port,
                since: (status?.sinceMilliseconds ?? 0) / 1000, restarts: status?.restarts ?? 0,
                exit: status?.lastExit?.text, rssBytes: used?.residentBytes, cpuSeconds: used?.cpuSeconds,
                logDroppedBytes: status?.droppedBytes ?? 0, logDropping: alive && (status?.logDropping ?? false))
        }
        func order(_ status: InstanceStatus) -> (String, String, Int, Int) {
            (status.app, status.type, status.index, Int(status.release.dropFirst()) ?? 0)
        }
        return (running + stopped).sorted { order($0) < order($1) }
    }
}
