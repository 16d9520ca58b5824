import DokuenCore
import DokuenPosix
import DokuenStore
import DokuenSupervision
import DokuenThreads
import ServiceLifecycle

/// Listens on `run/events.sock` for the datagrams shims send on every state change (docs/SHIM.md, Events): each
/// one makes the reconciler read that instance's status again at once (`InstanceSupervisor.shimChanged`), and an exit the shim did not ask for is written to the event
/// log. A thread of its own (`BlockingThread`) blocks in poll(2) on the socket and on an inotify watch of `run/`:
/// the daemon's wait point for shims, nothing polls on a timer. The socket is bound at `init`, before the first
/// reconcile, so no event of a shim it starts is lost. When `run/events.sock` is removed or replaced (a cleanup
/// script, a mistaken `rm`), it is bound again at once, said in the log, and a reconcile pass reads every shim's
/// status, since the events sent meanwhile went nowhere.
public final class EventsListener: Service, Sendable {
    let path: String
    let fd: Int32
    let supervisor: InstanceSupervisor
    let store: Store
    /// Where add-ons' shims live (`run/addons/`): their events are no app's.
    let addonsPrefix: String
    /// Where cron runs' shims live (`run/cron/`): their changes go to the scheduler, never to the reconciler.
    let cronPrefix: String
    let cron: CronScheduler?
    /// Where each instance's reported state goes for alerts (a crash loop, FATAL: docs/ALERTS.md); nil: nowhere.
    let alerts: AlertFeed?

    public init(
        layout: RootLayout, supervisor: InstanceSupervisor, store: Store, cron: CronScheduler? = nil,
        alerts: AlertFeed? = nil
    ) throws {
        self.alerts = alerts
        path = layout.eventsSocket
        addonsPrefix = layout.runDirectory + "/addons/"
        cronPrefix = layout.runDirectory + "/cron/"
        self.cron = cron
        self.supervisor = supervisor
        self.store = store
        fd = try UnixSocket.bindDatagram(path)
        // Shims run as root (they drop privileges for their child only); nobody else may write here.
        try Posix.chmod(path, 0o600)
    }

    /// Handles each datagram in turn until the group shuts down.
    public func run() async throws {
        let datagrams = BlockingThread.stream("dokuend events") { (yield: (String) -> Void) in self.receive(yield) }
        for await text in datagrams.cancelOnGracefulShutdown() { await handle(text) }
    }

    /// The thread: one datagram at a time, for good, and the socket bound again whenever its path stops naming it.
    private func receive(_ yield: (String) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var socket = fd
        var bound = (try? Posix.lstat(path))?.inode
        let watcher: Inotify?
        do {
            let inotify = try Inotify()
            _ = try inotify.watchDirectory(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]))
            watcher = inotify
        } catch {
            DaemonLog.error("events", "unable to watch \(path) for its removal: \(error)")
            watcher = nil
        }
        while true {
            do {
                let ready = try Posix.poll([socket] + (watcher.map { [$0.descriptor] } ?? []), milliseconds: -1)
                if let watcher, ready[1] {
                    _ = try watcher.read()
                    if (try Posix.lstat(path))?.inode != bound {
                        let fresh = try UnixSocket.bindDatagram(path)
                        try Posix.chmod(path, 0o600)
                        Posix.close(socket)
                        socket = fresh
                        bound = (try Posix.lstat(path))?.inode
                        DaemonLog.error("events", "\(path) was removed or replaced; bound it again")
                        supervisor.shimsMayHaveChanged()
                        continue
                    }
                }
                guard ready[0] else { continue }
                let count = try Posix.receive(socket, into: &buffer, path: path)
                yield(String(decoding: buffer[0..<count], as: UTF8.self))
            } catch {
                DaemonLog.error("events", "\(error)")
                return
            }
        }
    }

    func handle(_ text: String) async {
        guard let record = StatusRecord(decoding: text) else { return }
        let directory = text.split(separator: "\n").first(where: { $0.hasPrefix("dir=") }).map {
            String($0.dropFirst(4))
        }
        // An add-on's shim (`run/addons/NAME`): no app's instance; `AddonService` looks after the change.
        if let directory, directory.hasPrefix(addonsPrefix) {
            supervisor.requestReconcile()
            return
        }
        // A cron run's shim (`run/cron/APP/ID`): the scheduler records its end.
        if let directory, directory.hasPrefix(cronPrefix) {
            cron?.shimChanged(directory: directory)
            return
        }
        if let directory, let exit = record.lastExit, record.wantUp,
            record.state == .starting || record.state == .backoff
                || record.state == .fatal || record.state == .exited
        {
            await noteExit(directory: directory, exit: exit, record: record)
        }
        if let directory, let alerts, let id = Self.instance(directory: directory) {
            alerts.send(.instance(id, state: record.state.name, restarts: record.restarts))
        }
        if let directory {
            await noteLogDrop(directory: directory, record: record)
            supervisor.shimChanged(directory: directory)
        } else {
            supervisor.requestReconcile()
        }
    }

    /// The instance whose service directory is `directory` (`…/svc/APP/TYPE.N@vR`), as `InstanceObserver` reads it.
    static func instance(directory: String) -> InstanceID? {
        let parts = directory.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "svc", let app = try? AppName(String(parts[parts.count - 2]))
        else { return nil }
        return try? InstanceID(app: app, directoryName: String(parts[parts.count - 1]))
    }

    /// Writes one `log.dropped` event when a shim starts dropping log output (`LogDropEpisodes`).
    func noteLogDrop(directory: String, record: StatusRecord) async {
        let parts = directory.split(separator: "/")
        guard parts.count >= 2, let app = try? AppName(String(parts[parts.count - 2])),
            await supervisor.startsLogDropEpisode(directory: directory, record: record)
        else { return }
        let detail =
            "\(parts[parts.count - 1]) is dropping log output: the disk of its log is full "
            + "(\(ByteSize.text(record.droppedBytes)) dropped since its shim started)"
        try? await store.appendEvent(actor: "dokuen-shim", app: app, action: "log.dropped", detail: detail)
    }

    /// Writes one event per unexpected exit (the shim counts restarts; one event per new count).
    func noteExit(directory: String, exit: ProcessExit, record: StatusRecord) async {
        let parts = directory.split(separator: "/")
        guard parts.count >= 2, let app = try? AppName(String(parts[parts.count - 2])),
            await supervisor.isNewExit(directory: directory, restarts: record.restarts, state: record.state)
        else { return }
        let detail =
            "\(parts[parts.count - 1]) exited (\(exit.text)); now \(record.state.name), restarts \(record.restarts)"
        try? await store.appendEvent(actor: "dokuen-shim", app: app, action: "instance.exit", detail: detail)
    }
}
